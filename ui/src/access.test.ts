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
    expect(allowedRoutes(PERMISSIONS.operator, 'operator')).toEqual(['overview', 'cards', 'issue', 'batch', 'topup', 'cashier', 'members', 'settings']);
  });

  it('lets finance and auditors look, not move money', () => {
    for (const role of ['finance', 'auditor'] as const) {
      expect(allowedRoutes(PERMISSIONS[role], role), role).toEqual(['overview', 'cards', 'members', 'analytics', 'settings']);
    }
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

  it('lands the managers, who hold no card permission, on the dashboards', () => {
    expect(allowedRoutes(PERMISSIONS.merchant_manager, 'merchant_manager')).toEqual(['analytics', 'settings']);
    expect(homeRoute(PERMISSIONS.regional_manager, 'regional_manager')).toBe('analytics');
    expect(resolveRoute('analytics', PERMISSIONS.operator, 'operator')).toBe('overview');
  });

  it('labels the dashboards from their own locale block', () => {
    expect(menuLabelKey('analytics')).toBe('analytics.menu');
    expect(menuLabelKey('cards')).toBe('menu.cards');
  });
});
