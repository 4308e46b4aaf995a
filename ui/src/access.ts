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
  'analytics',
  'imports',
  'settings',
] as const;

export type RouteKey = (typeof ROUTES)[number];

/**
 * The roles that may read the dashboards: everyone but the counter operator (the core's
 * analytics::require_read). The managers hold no card permission, so this goes by role.
 */
export const DASHBOARD_ROLES: readonly Role[] = ['admin', 'finance', 'regional_manager', 'merchant_manager', 'auditor'];

/**
 * The roles that may read finance data (settlements, reserve reconciliation): the core's
 * clearing `FinanceRead` (clearing/auth.rs). The overview shows them the reserve coverage.
 */
export const FINANCE_READ_ROLES: readonly Role[] = ['admin', 'finance', 'auditor'];

/** Whether `role` may read finance data (the core refuses everyone else with `forbidden`). */
export function canReadFinance(role?: Role): boolean {
  return role !== undefined && FINANCE_READ_ROLES.includes(role);
}

/**
 * The roles that may import the malls' exports: administrators and operators (the core's
 * analytics::require_write; operators import for their malls but do not read the dashboards).
 */
export const IMPORT_ROLES: readonly Role[] = ['admin', 'operator'];

/**
 * What a route needs: a permission, a list of roles, or null = every signed-in user (preferences
 * must stay reachable).
 */
type Requirement = Permission | { roles: readonly Role[] } | null;

const REQUIRES: Record<RouteKey, Requirement> = {
  overview: 'read_cards',
  cards: 'read_cards',
  issue: 'issue_cards',
  batch: 'issue_cards',
  topup: 'top_up',
  cashier: 'pay',
  members: 'read_members',
  // Merchant and regional managers hold no card permission, and the clearing center's
  // finance-read right has no permission of its own: these go by role.
  merchants: { roles: ['admin', 'merchant_manager', 'regional_manager', 'auditor'] },
  clearing: { roles: FINANCE_READ_ROLES },
  users: 'administer',
  analytics: { roles: DASHBOARD_ROLES },
  imports: { roles: IMPORT_ROLES },
  settings: null,
};

export function isRoute(value: string): value is RouteKey {
  return (ROUTES as readonly string[]).includes(value);
}

export function can(permissions: readonly Permission[], permission: Permission): boolean {
  return permissions.includes(permission);
}

/** Whether `route` opens for these permissions and role (a role-gated route needs the role). */
export function canOpen(route: RouteKey, permissions: readonly Permission[], role?: Role): boolean {
  const needed = REQUIRES[route];
  if (needed === null) return true;
  if (typeof needed === 'object') return role !== undefined && needed.roles.includes(role);
  return can(permissions, needed);
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

/**
 * The locale key of a route's menu label. The dashboards keep all their strings under their own
 * top-level `analytics` key (one block per feature in the locale files), the older screens under `menu`.
 */
export function menuLabelKey(route: RouteKey): string {
  if (route === 'analytics') return 'analytics.menu';
  if (route === 'imports') return 'analytics.imports.menu';
  return `menu.${route}`;
}
