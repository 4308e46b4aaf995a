// @vitest-environment jsdom
// The merchants and clearing-center screens against a fake shell: what they show of the core's
// JSON and what they send.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../bindings';
import { ADMIN, FakeShell } from '../test/fakeShell';

let shell = new FakeShell();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (command: string, args?: unknown) => shell.invoke(command, args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const { renderAt } = await import('../test/screen');
const { changeLanguage } = await import('../i18n');

const MERCHANT = {
  merchant: 7, mall: 'M1', region: 'east', name: '品牌甲', category: 'apparel', status: 'active',
  account_manager: 'mm1', fee_bps: 60, grade: 'A',
};

beforeEach(async () => {
  shell = new FakeShell();
  shell.handlers.session = () => ADMIN;
  await changeLanguage('en-US');
});

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

describe('merchants', () => {
  it('lists merchants, shows the history and suspends with a reason', async () => {
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.handlers.merchant_show = () => ({
      ...MERCHANT, credit_code: '91350100M000100Y43', settlement_account: '6222', contract_start: '2026-03-01',
      events: [{ from: 'contracted', to: 'active', actor: 'admin', reason: 'go live', at: '2026-03-01T10:00:00+08:00' }],
    });
    shell.handlers.merchant_set_status = () => ({ merchant: 7, status: 'suspended', reason: 'audit' });
    await renderAt('#/merchants');
    const table = await screen.findByTestId('merchants-table');
    expect(await within(table).findByText('品牌甲')).toBeTruthy();
    expect(within(table).getByText('0.60%')).toBeTruthy();
    fireEvent.click(screen.getByTestId('merchant-open-7'));
    expect(await within(await screen.findByTestId('merchant-history')).findByText('go live')).toBeTruthy();
    fireEvent.click(screen.getByTestId('merchant-do-suspended'));
    const dialog = await screen.findByTestId('merchant-action-status');
    fireEvent.click(within(dialog).getByText('Confirm'));
    expect(await within(dialog).findByText('Required')).toBeTruthy();
    expect(shell.argsOf('merchant_set_status')).toHaveLength(0);
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'audit' } });
    fireEvent.click(within(dialog).getByText('Confirm'));
    await waitFor(() => expect(shell.argsOf('merchant_set_status')).toEqual([{ merchant: 7, to: 'suspended', reason: 'audit' }]));
  });

  it('shows a maker-checker refusal translated', async () => {
    shell.handlers.merchant_directory = () => ({ merchants: [{ ...MERCHANT, status: 'submitted' }], count: 1 });
    shell.refuse('merchant_review', 'maker_checker', 'own merchant');
    await renderAt('#/merchants');
    fireEvent.click(await screen.findByText('Review queue'));
    fireEvent.click(await screen.findByText('Approve'));
    const dialog = await screen.findByTestId('merchant-action-review');
    fireEvent.click(within(dialog).getByText('OK'));
    expect((await screen.findByTestId('merchant-action-error')).textContent).toContain('maker-checker');
  });
});

describe('clearing', () => {
  it('shows the lines with totals and alerts when the reserve does not cover', async () => {
    const z = { gross: '100.00', refunds: '0.00', fees: '0.60', fee_issuer: '0.18', fee_operator: '0.42', net: '99.40', carry_in: '0.00', payout: '99.40', carry_out: '0.00' };
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.handlers.settlement_show = () => ({ date: '2026-03-01', batch_id: 3, lines: [{ merchant: 7, status: 'pending', ...z }], totals: { ...z, gross: '1234.00' } });
    shell.handlers.reserve_reconcile = () => ({
      date: '2026-03-01', custody_bank: '90.00', custody_ledger: '90.00', in_transit: '0.00', card_balances: '100.00',
      unsettled_payables: '0.00', coverage: '0.9000', alert: true, differences: [],
    });
    await renderAt('#/clearing');
    const lines = await screen.findByTestId('clearing-lines');
    expect(await within(lines).findByText('¥1,234.00')).toBeTruthy();
    expect(within(lines).getByText('Mark paid')).toBeTruthy();
    expect(await within(lines).findByText('7 品牌甲')).toBeTruthy();
    fireEvent.click(screen.getByText('Reconciliation'));
    expect((await screen.findByTestId('clearing-coverage-alert')).textContent).toContain('90.00%');
  });

  it('is not in the menu of a counter operator', async () => {
    const operator: Session = { user: 'op', role: 'operator', scopes: [], permissions: ['read_cards'] };
    shell.handlers.session = () => operator;
    shell.handlers.overview = () => ({});
    await renderAt('#/clearing');
    await waitFor(() => expect(screen.queryByTestId('menu-cards')).toBeTruthy());
    expect(screen.queryByTestId('menu-clearing')).toBeNull();
    expect(screen.queryByTestId('menu-merchants')).toBeNull();
  });
});

