// The argument shapes each service sends: the shell's command names and argument objects
// (CONSOLE-API.md) are the contract, so every wrapper is pinned here.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CardQuery } from '../bindings';

const invoke = vi.fn();

// A stand-in for Tauri's Channel: records what the service wires to it.
class FakeChannel<T> {
  onmessage: (message: T) => void = () => undefined;
}

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: FakeChannel,
}));

const auth = await import('./auth');
const cards = await import('./cards');
const members = await import('./members');
const overviewService = await import('./overview');
const payments = await import('./payments');
const settings = await import('./settings');
const users = await import('./users');

const query: CardQuery = {
  status: 'active',
  card_type: null,
  mall: 'SH01',
  phone: null,
  number: '620058',
  sort: 'issued_at',
  desc: true,
  after: null,
  limit: 50,
};

beforeEach(() => {
  invoke.mockReset();
  invoke.mockResolvedValue(null);
});

function lastCall(): unknown[] {
  return invoke.mock.calls[invoke.mock.calls.length - 1] ?? [];
}

describe('auth and users', () => {
  it.each([
    [() => auth.authStatus(), 'auth_status', undefined],
    [() => auth.setupAdmin('s3cret-Pass'), 'setup_admin', { password: 's3cret-Pass' }],
    [() => auth.login('op1', 'pw'), 'login', { user: 'op1', password: 'pw' }],
    [() => auth.logout(), 'logout', undefined],
    [() => auth.session(), 'session', undefined],
    [() => users.userList(), 'user_list', undefined],
    [() => users.userSetPassword('op1', 'pw'), 'user_set_password', { name: 'op1', password: 'pw' }],
    [() => users.userLock('op1'), 'user_lock', { name: 'op1' }],
    [() => users.userUnlock('op1'), 'user_unlock', { name: 'op1' }],
  ] as const)('%#: %s', async (run, command, args) => {
    await run();
    expect(lastCall()).toEqual([command, args]);
  });

  it('wraps user_add in a request object', async () => {
    const request = { name: 'op2', role: 'operator' as const, scopes: ['mall:SH01'], password: 'pw' };
    await users.userAdd(request);
    expect(lastCall()).toEqual(['user_add', { request }]);
  });
});

describe('cards', () => {
  it('passes the query object to card_list and card_count', async () => {
    await cards.cardList(query);
    expect(lastCall()).toEqual(['card_list', { query }]);
    await cards.cardCount(query);
    expect(lastCall()).toEqual(['card_count', { query }]);
  });

  it.each([
    [() => cards.cardGet(7), 'card_get', { id: 7 }],
    [() => cards.cardShow('6200580000000000018'), 'card_show', { card: '6200580000000000018' }],
    [() => cards.cardHistory('6200580000000000018'), 'card_history', { card: '6200580000000000018' }],
    [() => cards.cardQr('6200580000000000018'), 'card_qr', { card: '6200580000000000018' }],
    [() => cards.jobCancel('job-1'), 'job_cancel', { job: 'job-1' }],
    [() => cards.batchExport('ui-1', 'xlsx'), 'batch_export', { reference: 'ui-1', format: 'xlsx' }],
    [() => cards.rulesGet(), 'rules_get', undefined],
  ] as const)('%#: %s', async (run, command, args) => {
    await run();
    expect(lastCall()).toEqual([command, args]);
  });

  it('wraps card_issue and card_action in request objects', async () => {
    const issue = { card_type: 'virtual' as const, holder: null, mall: null };
    await cards.cardIssue(issue);
    expect(lastCall()).toEqual(['card_issue', { request: issue }]);
    const action = { card: '6200580000000000018', action: 'freeze' as const, reason: 'customer asked', reference: 'ui-2' };
    await cards.cardAction(action);
    expect(lastCall()).toEqual(['card_action', { request: action }]);
  });

  it('streams batch_issue progress over a channel named on_progress', async () => {
    const request = {
      card_type: 'physical' as const,
      count: 3,
      face_value: '500.00',
      reference: 'ui-3',
      buyer_name: null,
      buyer_id: null,
      channel: 'bank_transfer' as const,
      payer_type: 'company' as const,
      payer_name: 'ACME',
      funding: 'debit' as const,
      mall: null,
    };
    const seen: unknown[] = [];
    await cards.batchIssue(request, 'job-9', (p) => seen.push(p));
    const [command, args] = lastCall() as [string, { request: unknown; job: string; on_progress: FakeChannel<unknown> }];
    expect(command).toBe('batch_issue');
    expect(args.request).toEqual(request);
    expect(args.job).toBe('job-9');
    expect(args.on_progress).toBeInstanceOf(FakeChannel);
    args.on_progress.onmessage({ done: 1, total: 3, stage: 'writing' });
    expect(seen).toEqual([{ done: 1, total: 3, stage: 'writing' }]);
  });
});

describe('payments, members, overview, settings', () => {
  it.each([
    [() => payments.cardFromQr('OC1.abc'), 'card_from_qr', { payload: 'OC1.abc' }],
    [() => payments.paymentList({ card: null, payment_id: 12 }), 'payment_list', { card: null, payment_id: 12 }],
    [() => members.memberSearch({ phone: '13812345678', id_number: null }), 'member_search', { phone: '13812345678', id_number: null }],
    [() => members.memberBindCard(4, '6200580000000000018'), 'member_bind_card', { member: 4, card: '6200580000000000018' }],
    [() => members.mallList(), 'mall_list', undefined],
    [() => members.merchantList(), 'merchant_list', { mall: null }],
    [() => members.merchantList('SH01'), 'merchant_list', { mall: 'SH01' }],
    [() => overviewService.overview(), 'overview', undefined],
    [() => settings.settingsGet(), 'settings_get', undefined],
  ] as const)('%#: %s', async (run, command, args) => {
    await run();
    expect(lastCall()).toEqual([command, args]);
  });

  it('wraps money-moving commands in request objects with the reference', async () => {
    const topUp = { card: '6200580000000000018', amount: '100.00', channel: 'cash' as const, payer_type: 'person' as const, payer_name: null, funding: 'debit' as const, reference: 'ui-4' };
    await payments.topUp(topUp);
    expect(lastCall()).toEqual(['top_up', { request: topUp }]);
    const pay = { card: '6200580000000000018', amount: '12.30', merchant: 3, medium: 'qr' as const, qr_payload: 'OC1.abc', checkout_seconds: 41, reference: 'ui-5' };
    await payments.pay(pay);
    expect(lastCall()).toEqual(['pay', { request: pay }]);
    const refund = { payment_id: 12, amount: '5.00', reference: 'ui-6' };
    await payments.refund(refund);
    expect(lastCall()).toEqual(['refund', { request: refund }]);
  });

  it('sends database settings as one request', async () => {
    const request = { backend: 'postgres' as const, sqlite_path: null, pg_url: 'postgres://onecard@db/onecard', pg_password: 'pw' };
    await settings.settingsSetDb(request);
    expect(lastCall()).toEqual(['settings_set_db', { request }]);
  });

  it('maps refusals of every service to CommandError with the code', async () => {
    invoke.mockRejectedValueOnce({ code: 'balance_cap_exceeded', message: 'cap 1000.00' });
    await expect(payments.topUp({ card: '1', amount: '1.00', channel: 'cash', payer_type: 'person', payer_name: null, funding: 'debit', reference: 'r' }))
      .rejects.toMatchObject({ name: 'CommandError', code: 'balance_cap_exceeded' });
    invoke.mockRejectedValueOnce({ code: 'invalid_credentials', message: 'no' });
    await expect(auth.login('x', 'y')).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});
