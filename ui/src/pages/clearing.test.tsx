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

/** The progress channel a command was given (the fake shell reports through it). */
function progressOf(args: unknown): (p: { done: number; total: number; stage: string }) => void {
  const channel = (args as { on_progress: { onmessage: (p: unknown) => void } }).on_progress;
  return (p) => channel.onmessage(p);
}

const SUMMARY = {
  batch_id: 11, merchants: 1, gross: '100.00', refunds: '0.00', fees: '0.60', net: '99.40', fee_issuer: '0.18',
  fee_operator: '0.42', payout: '99.40', replayed: false,
};

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

describe('merchant detail history', () => {
  it('shows the fee history and the monthly ratings', async () => {
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.handlers.merchant_show = () => ({
      ...MERCHANT, credit_code: null, settlement_account: '6222', contract_start: '2026-03-03', events: [],
      fee_history: {
        contracts: [
          { at: '2026-03-01T10:00:00+08:00', actor: 'admin', status: 'contracted', fee_bps: 50, changed: true, start: null, account: null },
          { at: '2026-03-03T10:00:00+08:00', actor: 'rm1', status: 'active', fee_bps: 45, changed: true, start: '2026-03-03', account: '6222' },
        ],
        category_rules: [
          { rule: 1, kind: 'base', bps: 80, from: null, to: null, at: '2026-03-01T09:00:00+08:00', by: 'fin1' },
          { rule: 2, kind: 'promotional', bps: 30, from: '2026-03-02', to: '2026-03-02', at: '2026-03-01T09:00:00+08:00', by: 'fin1' },
        ],
        applied: [{ month: '2026-03', fee_bps: 30, purchases: 4, amount: '400.00', fees: '1.20' }],
      },
      ratings: [{ month: '2026-03', score: 88, grade: 'A', watch: false, support: true, sales: 40000, returns: 0, complaints: 1, disputes: 0, checkout: 60 }],
    });
    await renderAt('#/merchants');
    fireEvent.click(await screen.findByTestId('merchant-open-7'));
    const contracts = await screen.findByTestId('merchant-contracts');
    expect(within(contracts).getByText('0.50%')).toBeTruthy();
    expect(within(contracts).getByText('0.45%')).toBeTruthy();
    const rules = screen.getByTestId('merchant-category-rules');
    expect(within(rules).getByText('Promotion')).toBeTruthy();
    expect(within(rules).getByText('2026-03-02 – 2026-03-02')).toBeTruthy();
    const applied = screen.getByTestId('merchant-applied-rates');
    expect(within(applied).getByText('¥1.20')).toBeTruthy();
    const ratings = screen.getByTestId('merchant-rating-history');
    expect(within(ratings).getByText('88')).toBeTruthy();
    expect(within(ratings).getByText('Support plan')).toBeTruthy();
  });
});

describe('overview reserve coverage', () => {
  const REPORT = {
    date: '2026-03-01', custody_bank: '450.00', custody_ledger: '450.00', in_transit: '50.00', card_balances: '500.00',
    unsettled_payables: '0.00', coverage: '0.9000', alert: true,
    differences: [{ item: 'coverage_shortfall', bank: '450.00', ledger: '500.00', difference: '-50.00' }],
  };

  it('alerts an administrator when coverage is below 100%', async () => {
    shell.handlers.reserve_latest = () => REPORT;
    await renderAt('#/overview');
    const alert = await screen.findByTestId('overview-reserve-alert');
    expect(alert.textContent).toContain('90.00%');
    expect(alert.textContent).toContain('2026-03-01');
    expect(alert.className).toContain('ant-alert-error');
    expect(within(alert).getByText(/Coverage shortfall/)).toBeTruthy();
  });

  it('shows covered reserve without an alert, and says when no statement was imported', async () => {
    shell.handlers.reserve_latest = () => ({ ...REPORT, coverage: '1.0500', alert: false, differences: [] });
    await renderAt('#/overview');
    expect((await screen.findByTestId('overview-reserve-coverage')).textContent).toBe('105.00%');
    expect(screen.queryByTestId('overview-reserve-alert')).toBeNull();
    cleanup();
    shell.handlers.reserve_latest = () => null;
    await renderAt('#/overview');
    expect(await screen.findByTestId('overview-reserve-none')).toBeTruthy();
  });

  it('is neither shown nor asked for a counter operator', async () => {
    const operator: Session = { user: 'op', role: 'operator', scopes: [], permissions: ['read_cards'] };
    shell.handlers.session = () => operator;
    shell.handlers.reserve_latest = () => REPORT;
    await renderAt('#/overview');
    await screen.findByTestId('overview-topups-count');
    expect(screen.queryByTestId('overview-reserve')).toBeNull();
    expect(shell.argsOf('reserve_latest')).toHaveLength(0);
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

  it('settles a range of days with progress, shows each day and the last day\'s lines', async () => {
    const z = { gross: '100.00', refunds: '0.00', fees: '0.60', fee_issuer: '0.18', fee_operator: '0.42', net: '99.40', carry_in: '0.00', payout: '99.40', carry_out: '0.00' };
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.handlers.settlement_show = (args) => {
      const date = (args as { date: string }).date;
      if (date !== '2026-03-02') throw { code: 'not_settled', message: 'not settled' };
      return { date, batch_id: 12, lines: [{ merchant: 7, status: 'pending', ...z }], totals: z };
    };
    shell.handlers.settle_range = (args) => {
      const report = progressOf(args);
      report({ done: 0, total: 2, stage: 'settling' });
      report({ done: 1, total: 2, stage: 'settled' });
      report({ done: 2, total: 2, stage: 'committed' });
      return {
        from: '2026-03-01', to: '2026-03-02', settled: 1, replayed: 1, cancelled: false, next_day: null,
        days: [{ ...SUMMARY, date: '2026-03-01', batch_id: 11, replayed: true }, { ...SUMMARY, date: '2026-03-02', batch_id: 12 }],
      };
    };
    await renderAt('#/clearing');
    fireEvent.click(await screen.findByTestId('clearing-run'));
    fireEvent.change(await screen.findByTestId('clearing-run-to'), { target: { value: '2026-03-02' } });
    fireEvent.click(screen.getByTestId('clearing-run-start'));
    const outcome = await screen.findByTestId('clearing-run-outcome');
    expect(outcome.textContent).toContain('1 business days settled now, 1 settled before');
    // From left empty goes as null (the core's default: the day after the last batch).
    const [sent] = shell.argsOf('settle_range') as { from: string | null; to: string; job: string }[];
    expect(sent?.from).toBeNull();
    expect(sent?.to).toBe('2026-03-02');
    expect(sent?.job).toMatch(/^job-/);
    expect(screen.getByTestId('clearing-run-progress').getAttribute('data-percent')).toBe('100');
    expect(screen.getByTestId('clearing-run-stage').textContent).toContain('2 of 2');
    const days = screen.getByTestId('clearing-run-days');
    expect(within(days).getByText('Settled before')).toBeTruthy();
    expect(within(days).getByText('Settled now')).toBeTruthy();
    // The page moved to the last day handled and shows its batch lines.
    const lines = await screen.findByTestId('clearing-lines');
    expect(await within(lines).findByText('7 品牌甲')).toBeTruthy();
    expect((screen.getByTestId('clearing-date') as HTMLInputElement).value).toBe('2026-03-02');
  });

  it('cancels between days and says the settled days stay settled', async () => {
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.refuse('settlement_show', 'not_settled');
    let finish: (() => void) | null = null;
    shell.handlers.settle_range = (args) =>
      new Promise((resolve) => {
        progressOf(args)({ done: 1, total: 3, stage: 'settled' });
        finish = () =>
          resolve({
            from: '2026-03-01', to: '2026-03-03', settled: 1, replayed: 0, cancelled: true, next_day: '2026-03-02',
            days: [{ ...SUMMARY, date: '2026-03-01' }],
          });
      });
    shell.handlers.job_cancel = () => {
      finish?.();
      return true;
    };
    await renderAt('#/clearing');
    fireEvent.click(await screen.findByTestId('clearing-run'));
    fireEvent.click(await screen.findByTestId('clearing-run-start'));
    expect((await screen.findByTestId('clearing-run-stage')).textContent).toContain('1 of 3');
    fireEvent.click(await screen.findByTestId('clearing-run-cancel'));
    const outcome = await screen.findByTestId('clearing-run-outcome');
    expect(outcome.getAttribute('data-outcome')).toBe('cancelled');
    expect(outcome.textContent).toContain('stay settled');
    expect(outcome.textContent).toContain('2026-03-02');
    expect(shell.argsOf('job_cancel')).toHaveLength(1);
  });

  it('shows a refused range translated (the day is not over)', async () => {
    shell.handlers.merchant_directory = () => ({ merchants: [MERCHANT], count: 1 });
    shell.refuse('settlement_show', 'not_settled');
    shell.refuse('settle_range', 'day_not_closed', 'business day 2026-03-04 is not over yet');
    await renderAt('#/clearing');
    fireEvent.click(await screen.findByTestId('clearing-run'));
    fireEvent.click(await screen.findByTestId('clearing-run-start'));
    expect((await screen.findByTestId('clearing-run-error')).textContent).toContain('not over yet');
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

