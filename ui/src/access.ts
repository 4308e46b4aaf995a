// Who sees what. The one place that maps `Session.permissions` (from the core's role table) to
// the console's routes: the menu and the router both ask here, so a screen can never be reachable
// without its menu entry or the other way round. The core still checks every command.
import type { Permission, Role } from './bindings';

export const ROUTES = [
  'overview',
  'cards',
  'issue',
  'batch',
  'topup',
  'cashier',
  'members',
  'merchants',
  'clearing',
  'users',
  'settings',
] as const;

export type RouteKey = (typeof ROUTES)[number];

/** The permission a route needs; null = every signed-in user (preferences must stay reachable). */
const REQUIRES: Record<RouteKey, Permission | null> = {
  overview: 'read_cards',
  cards: 'read_cards',
  issue: 'issue_cards',
  batch: 'issue_cards',
  topup: 'top_up',
  cashier: 'pay',
  members: 'read_members',
  merchants: null, // by role, see BY_ROLE
  clearing: null, // by role, see BY_ROLE
  users: 'administer',
  settings: null,
};

/**
 * Routes opened by role rather than by permission: merchant managers and regional managers hold no
 * card permission at all, and the clearing center's finance-read right has no permission of its own.
 */
const BY_ROLE: Partial<Record<RouteKey, readonly Role[]>> = {
  merchants: ['admin', 'merchant_manager', 'regional_manager', 'auditor'],
  clearing: ['admin', 'finance', 'auditor'],
};

export function isRoute(value: string): value is RouteKey {
  return (ROUTES as readonly string[]).includes(value);
}

export function can(permissions: readonly Permission[], permission: Permission): boolean {
  return permissions.includes(permission);
}

export function canOpen(route: RouteKey, permissions: readonly Permission[], role?: Role): boolean {
  const roles = BY_ROLE[route];
  if (roles !== undefined) return role !== undefined && roles.includes(role);
  const needed = REQUIRES[route];
  return needed === null || can(permissions, needed);
}

/** The routes the menu shows, in menu order. */
export function allowedRoutes(permissions: readonly Permission[], role?: Role): RouteKey[] {
  return ROUTES.filter((route) => canOpen(route, permissions, role));
}

/** Where a user lands after sign-in: the first screen they may open. */
export function homeRoute(permissions: readonly Permission[], role?: Role): RouteKey {
  return allowedRoutes(permissions, role)[0] ?? 'settings';
}

/** The route to show for a requested one: itself when allowed, else the user's home. */
export function resolveRoute(requested: string, permissions: readonly Permission[], role?: Role): RouteKey {
  return isRoute(requested) && canOpen(requested, permissions, role) ? requested : homeRoute(permissions, role);
}
