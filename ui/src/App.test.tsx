// @vitest-environment jsdom
// Screen tests against a fake shell: the gate picks the right screen, the test ids the end-to-end
// test relies on are there, refusals are shown translated where they belong, and money-moving
// submissions carry an idempotency reference that survives a retry.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, CARD, FakeShell, OPERATOR, STATUS } from './test/fakeShell';

let shell = new FakeShell();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (command: string, args?: unknown) => shell.invoke(command, args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const { renderAt, type } = await import('./test/screen');
const { changeLanguage } = await import('./i18n');
const { ROUTES } = await import('./access');


const lastOf = (calls: unknown[]): unknown => calls[calls.length - 1];

beforeEach(async () => {
  shell = new FakeShell();
  await changeLanguage('zh-CN');
});

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

describe('the gate', () => {
  it('explains a database that did not open, with a way to Settings', async () => {
    shell.handlers.auth_status = () => ({ ...STATUS, db_ok: false, db_error: { code: 'db_unavailable', message: 'connection refused' } });
    await renderAt('#/');
    expect((await screen.findByTestId('db-error')).textContent).toContain('无法连接数据库');
    expect(screen.getByTestId('db-url').textContent).toContain('/data/onecard.db');
    fireEvent.click(screen.getByTestId('db-error-settings'));
    expect(await screen.findByTestId('settings-save')).toBeTruthy();
  });

  it('asks for the admin password on first start', async () => {
    shell.handlers.auth_status = () => ({ ...STATUS, needs_setup: true });
    shell.handlers.setup_admin = () => ({ ...ADMIN });
    await renderAt('#/');
    await type('setup-password', 'Str0ng-Passw0rd');
    await type('setup-confirm', 'Str0ng-Passw0rd');
    fireEvent.click(screen.getByTestId('setup-submit'));
    expect(await screen.findByTestId('menu-users')).toBeTruthy();
    expect(shell.argsOf('setup_admin')).toEqual([{ password: 'Str0ng-Passw0rd' }]);
  });

  it('signs in, shows demo credentials, and translates a refusal', async () => {
    await renderAt('#/');
    expect((await screen.findByTestId('login-demo')).textContent).toContain('demo-pass');
    shell.refuse('login', 'invalid_credentials');
    await type('login-user', 'op1');
    await type('login-password', 'wrong');
    fireEvent.click(screen.getByTestId('login-submit'));
    expect((await screen.findByTestId('login-error')).textContent).toBe('用户名或密码不正确。');

    shell.handlers.login = () => OPERATOR;
    await type('login-password', 'right');
    fireEvent.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('menu-cashier')).toBeTruthy();
    // The operator's menu has no user administration.
    expect(screen.queryByTestId('menu-users')).toBeNull();
    expect((await screen.findByTestId('overview-outstanding')).textContent).toBe('¥12,345.67');
    await waitFor(() => expect(screen.getByTestId('card-count').textContent).toBe('42'));
  });

  it('switches language and signs out from the user menu', async () => {
    shell.handlers.session = () => OPERATOR;
    await renderAt('#/overview');
    await screen.findByTestId('menu-overview');
    const english = screen.getByTestId('lang-switch').querySelector('[data-lang="en-US"]');
    expect(english).not.toBeNull();
    await act(async () => {
      fireEvent.click(english as Element);
    });
    await waitFor(() => expect(screen.getByTestId('menu-overview').textContent).toBe('Overview'));
    fireEvent.click(screen.getByTestId('user-menu'));
    fireEvent.click(await screen.findByTestId('logout'));
    expect(await screen.findByTestId('login-user')).toBeTruthy();
    expect(shell.argsOf('logout')).toHaveLength(1);
  });
});

describe('every screen renders for an administrator', () => {
  it.each(ROUTES)('%s', async (route) => {
    shell.handlers.session = () => ADMIN;
    shell.handlers.user_list = () => [];
    await renderAt(`#/${route}`);
    expect(await screen.findByTestId(`menu-${route}`)).toBeTruthy();
    const item = screen.getByTestId(`menu-${route}`).closest('li');
    await waitFor(() => expect(item?.className).toContain('ant-menu-item-selected'));
  });
});

describe('cards', () => {
  it('opens a card from the table: balance, activity and the actions its status allows', async () => {
    shell.handlers.session = () => OPERATOR;
    await renderAt('#/cards');
    fireEvent.click(await screen.findByTestId('card-row-1'));
    const drawer = await screen.findByTestId('card-drawer');
    expect((await within(drawer).findByTestId('card-balance')).textContent).toBe('¥700.00');
    expect(within(drawer).getAllByTestId('card-activity')).toHaveLength(2);
    expect((within(drawer).getByTestId('card-action-freeze') as HTMLButtonElement).disabled).toBe(false);
    expect((within(drawer).getByTestId('card-action-unfreeze') as HTMLButtonElement).disabled).toBe(true);
    expect((within(drawer).getByTestId('card-action-extend') as HTMLButtonElement).disabled).toBe(true);
    expect(shell.argsOf('card_list')[0]).toMatchObject({ query: { sort: 'issued_at', desc: true, after: null, limit: 20 } });
  });
});

describe('cards paging, sorting and actions', () => {
  it('pages with a stack of cursors and sorts through the server', async () => {
    shell.handlers.session = () => OPERATOR;
    shell.handlers.card_list = (args) => {
      const after = (args as { query: { after: string | null } }).query.after;
      return { rows: [{ ...CARD, id: after === null ? 1 : 2 }], next: after === null ? 'c2' : null };
    };
    await renderAt('#/cards');
    await screen.findByTestId('card-row-1');
    fireEvent.click(screen.getByTestId('cards-next'));
    await screen.findByTestId('card-row-2');
    expect((screen.getByTestId('cards-next') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('cards-previous'));
    await screen.findByTestId('card-row-1');
    const afters = shell.argsOf('card_list').map((a) => (a as { query: { after: string | null } }).query.after);
    expect(afters).toEqual([null, 'c2', null]);

    fireEvent.click(screen.getAllByText('开卡时间')[0] as HTMLElement);
    await waitFor(() => expect(lastOf(shell.argsOf('card_list'))).toMatchObject({ query: { sort: 'issued_at', desc: false, after: null } }));
    await type('cards-filter-number', '620058');
    fireEvent.click(screen.getByTestId('cards-search'));
    await waitFor(() => expect(lastOf(shell.argsOf('card_count'))).toMatchObject({ query: { number: '620058', after: null } }));
  });

  it('freezes a card after asking for a reason, then refreshes drawer and table', async () => {
    shell.handlers.session = () => OPERATOR;
    shell.handlers.card_action = () => ({ card: CARD.card, action: 'freeze', status: 'frozen', balance: '700.00', new_card: null, moved: '0.00', entry_id: null, expires_on: null, replayed: false });
    await renderAt('#/cards');
    fireEvent.click(await screen.findByTestId('card-row-1'));
    fireEvent.click(await screen.findByTestId('card-action-freeze'));
    await type('card-action-reason', '顾客来电要求冻结');
    const lists = shell.argsOf('card_list').length;
    const gets = shell.argsOf('card_get').length;
    fireEvent.submit((await screen.findByTestId('card-action-reason')).closest('form') as HTMLFormElement);
    expect(await screen.findByTestId('card-action-result')).toBeTruthy();
    expect(shell.argsOf('card_action')[0]).toMatchObject({ request: { card: CARD.card, action: 'freeze', reason: '顾客来电要求冻结' } });
    expect((shell.argsOf('card_action')[0] as { request: { reference: string } }).request.reference).toMatch(/^ui-/);
    await waitFor(() => expect(shell.argsOf('card_list').length).toBeGreaterThan(lists));
    await waitFor(() => expect(shell.argsOf('card_get').length).toBeGreaterThan(gets));
  });
});

describe('top-up', () => {
  it('shows a refusal next to the amount, retries with the same reference, then a new one', async () => {
    shell.handlers.session = () => OPERATOR;
    shell.refuse('top_up', 'balance_cap_exceeded');
    await renderAt('#/topup');
    await type('topup-card', '6200580000000000016');
    await type('topup-amount', '5000');
    fireEvent.click(screen.getByTestId('topup-submit'));
    const error = await screen.findByTestId('topup-error');
    expect(error.textContent).toBe('充值后余额将超过该卡的余额上限。');
    // Under the amount field, not in a banner.
    expect(error.closest('.ant-form-item')?.querySelector('[data-testid="topup-amount"]')).not.toBeNull();

    fireEvent.click(screen.getByTestId('topup-submit'));
    await waitFor(() => expect(shell.argsOf('top_up')).toHaveLength(2));
    const [first, retry] = shell.argsOf('top_up') as { request: { reference: string; amount: string } }[];
    expect(first?.request.amount).toBe('5000.00');
    expect(first?.request.reference).toMatch(/^ui-/);
    expect(retry?.request.reference).toBe(first?.request.reference);

    shell.handlers.top_up = () => ({ entry_id: 1, card: '6200580000000000016', amount: '50.00', balance_after: '750.00', replayed: false });
    await type('topup-amount', '50');
    fireEvent.click(screen.getByTestId('topup-submit'));
    expect((await screen.findByTestId('topup-result-balance')).textContent).toBe('¥750.00');
    await type('topup-amount', '50');
    fireEvent.click(screen.getByTestId('topup-submit'));
    await waitFor(() => expect(shell.argsOf('top_up')).toHaveLength(4));
    const all = shell.argsOf('top_up') as { request: { reference: string } }[];
    expect(all[3]?.request.reference).not.toBe(all[2]?.request.reference);
  });

  it('refuses a mistyped card number before asking the shell', async () => {
    shell.handlers.session = () => OPERATOR;
    await renderAt('#/topup');
    await type('topup-card', '6200580000000000017');
    await type('topup-amount', '1.234');
    fireEvent.click(screen.getByTestId('topup-submit'));
    expect(await screen.findByText('卡号无效：应为 19 位数字，请检查是否输错。')).toBeTruthy();
    expect(await screen.findByText('金额格式不对：只能是数字，最多两位小数，如 100 或 99.50')).toBeTruthy();
    expect(shell.argsOf('top_up')).toHaveLength(0);
  });
});

describe('cashier', () => {
  it('charges a card and shows the balance after', async () => {
    shell.handlers.session = () => OPERATOR;
    shell.handlers.pay = () => ({ entry_id: 2, card: '6200580000000000016', amount: '12.30', balance_after: '687.70', replayed: false, payment_id: 5 });
    window.localStorage.setItem('onecard.cashier.merchant', '3');
    await renderAt('#/cashier');
    await type('pay-card', '6200580000000000016');
    await type('pay-amount', '12.3');
    await waitFor(() => expect(shell.argsOf('merchant_list')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('pay-submit'));
    expect((await screen.findByTestId('pay-result-balance')).textContent).toBe('¥687.70');
    const [args] = shell.argsOf('pay') as { request: Record<string, unknown> }[];
    expect(args?.request).toMatchObject({ card: '6200580000000000016', amount: '12.30', merchant: 3, medium: 'nfc', qr_payload: null });
    expect(typeof args?.request.checkout_seconds).toBe('number');
  });
});
