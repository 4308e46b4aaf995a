// Who sees what. The one place that maps `Session.permissions` (from the core's role table) to
// the console's routes: the menu and the router both ask here, so a screen can never be reachable
// without its menu entry or the other way round. The core still checks every command.
import type { Permission } from './bindings';

export const ROUTES = [
  'overview',
  'cards',
  'issue',
  'batch',
  'topup',
  'cashier',
  'members',
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
  users: 'administer',
  settings: null,
};

export function isRoute(value: string): value is RouteKey {
  return (ROUTES as readonly string[]).includes(value);
}

export function can(permissions: readonly Permission[], permission: Permission): boolean {
  return permissions.includes(permission);
}

export function canOpen(route: RouteKey, permissions: readonly Permission[]): boolean {
  const needed = REQUIRES[route];
  return needed === null || can(permissions, needed);
}

/** The routes the menu shows, in menu order. */
export function allowedRoutes(permissions: readonly Permission[]): RouteKey[] {
  return ROUTES.filter((route) => canOpen(route, permissions));
}

/** Where a user lands after sign-in: the first screen they may open. */
export function homeRoute(permissions: readonly Permission[]): RouteKey {
  return allowedRoutes(permissions)[0] ?? 'settings';
}

/** The route to show for a requested one: itself when allowed, else the user's home. */
export function resolveRoute(requested: string, permissions: readonly Permission[]): RouteKey {
  return isRoute(requested) && canOpen(requested, permissions) ? requested : homeRoute(permissions);
}
