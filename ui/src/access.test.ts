import { describe, expect, it } from 'vitest';
import { allowedRoutes, canOpen, homeRoute, menuLabelKey, resolveRoute, ROUTES } from './access';
import type { Permission, Role } from './bindings';

// What the shell sends in Session.permissions for each role (core/src/auth.rs, plus read_members
// for the roles that read cards).
const PERMISSIONS: Record<Role, Permission[]> = {
  admin: ['administer', 'manage_malls', 'issue_cards', 'service_cards', 'top_up', 'pay', 'refund', 'transfer', 'reverse', 'read_cards', 'read_members', 'verify'],
  operator: ['issue_cards', 'service_cards', 'top_up', 'pay', 'refund', 'transfer', 'read_cards', 'read_members'],
  finance: ['reverse', 'read_cards', 'read_members', 'verify'],
  auditor: ['read_cards', 'read_members', 'verify'],
  merchant_manager: [],
  regional_manager: [],
};

describe('access: role -> menu', () => {
  it('gives the administrator every screen', () => {
    expect(allowedRoutes(PERMISSIONS.admin, 'admin')).toEqual([...ROUTES]);
  });

  it('gives the counter operator the counter, not user administration', () => {
    expect(allowedRoutes(PERMISSIONS.operator, 'operator')).toEqual(['overview', 'cards', 'issue', 'batch', 'topup', 'cashier', 'members', 'imports', 'settings']);
  });

  it('lets finance and auditors look, not move money', () => {
    expect(allowedRoutes(PERMISSIONS.finance, 'finance')).toEqual(['overview', 'cards', 'members', 'clearing', 'analytics', 'settings']);
    expect(allowedRoutes(PERMISSIONS.auditor, 'auditor')).toEqual([
      'overview',
      'cards',
      'members',
      'merchants',
      'clearing',
      'analytics',
      'settings',
    ]);
  });

  it('opens Merchants and Clearing by role', () => {
    expect(allowedRoutes(PERMISSIONS.finance, 'finance')).toContain('clearing');
    expect(allowedRoutes(PERMISSIONS.finance, 'finance')).not.toContain('merchants');
    expect(allowedRoutes(PERMISSIONS.merchant_manager, 'merchant_manager')).toEqual(['merchants', 'analytics', 'settings']);
    expect(allowedRoutes(PERMISSIONS.regional_manager, 'regional_manager')).toEqual(['merchants', 'analytics', 'settings']);
    expect(allowedRoutes(PERMISSIONS.operator, 'operator')).not.toContain('merchants');
    expect(allowedRoutes(PERMISSIONS.operator, 'operator')).not.toContain('clearing');
    expect(homeRoute(PERMISSIONS.merchant_manager, 'merchant_manager')).toBe('merchants');
    expect(resolveRoute('clearing', PERMISSIONS.merchant_manager, 'merchant_manager')).toBe('merchants');
  });

  it('always leaves Settings (language, font size) to everyone', () => {
    expect(allowedRoutes([])).toEqual(['settings']);
    expect(homeRoute([])).toBe('settings');
  });

  it('sends a forbidden or unknown route to the user home', () => {
    expect(canOpen('users', PERMISSIONS.operator)).toBe(false);
    expect(resolveRoute('users', PERMISSIONS.operator)).toBe('overview');
    expect(resolveRoute('nonsense', PERMISSIONS.operator)).toBe('overview');
    expect(resolveRoute('', PERMISSIONS.admin)).toBe('overview');
    expect(resolveRoute('cashier', PERMISSIONS.operator)).toBe('cashier');
  });
});

describe('access: dashboards by role', () => {
  it('shows the dashboards to every role but the counter operator', () => {
    for (const role of ['admin', 'finance', 'regional_manager', 'merchant_manager', 'auditor'] as const) {
      expect(canOpen('analytics', PERMISSIONS[role], role), role).toBe(true);
    }
    expect(canOpen('analytics', PERMISSIONS.operator, 'operator')).toBe(false);
  });

  it('opens the dashboards to the managers, who hold no card permission', () => {
    expect(allowedRoutes(PERMISSIONS.merchant_manager, 'merchant_manager')).toContain('analytics');
    expect(allowedRoutes(PERMISSIONS.regional_manager, 'regional_manager')).toContain('analytics');
    expect(resolveRoute('analytics', PERMISSIONS.operator, 'operator')).toBe('overview');
  });

  it('opens Imports to the roles the core lets import: administrators and operators', () => {
    for (const role of ['admin', 'operator'] as const) {
      expect(canOpen('imports', PERMISSIONS[role], role), role).toBe(true);
    }
    for (const role of ['finance', 'regional_manager', 'merchant_manager', 'auditor'] as const) {
      expect(canOpen('imports', PERMISSIONS[role], role), role).toBe(false);
    }
    expect(menuLabelKey('imports')).toBe('analytics.imports.menu');
  });

  it('labels the dashboards from their own locale block', () => {
    expect(menuLabelKey('analytics')).toBe('analytics.menu');
    expect(menuLabelKey('cards')).toBe('menu.cards');
  });
});
