// @vitest-environment jsdom
// Screen tests against a fake shell: the gate picks the right screen, the test ids the end-to-end
// test relies on are there, refusals are shown translated where they belong, and money-moving
// submissions carry an idempotency reference that survives a retry.
import { act, cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installDomShims } from './test/dom';
import { FakeShell, OPERATOR, STATUS } from './test/fakeShell';

installDomShims();
// Ant Design in jsdom is slow: a screen takes seconds to mount.
vi.setConfig({ testTimeout: 60_000 });
configure({ asyncUtilTimeout: 15_000 });
let shell = new FakeShell();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (command: string, args?: unknown) => shell.invoke(command, args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const { default: App } = await import('./App');
const { changeLanguage } = await import('./i18n');
const { ROUTES } = await import('./access');

const ADMIN = { ...OPERATOR, user: 'admin', role: 'admin' as const, permissions: [...OPERATOR.permissions, 'administer' as const, 'manage_malls' as const, 'reverse' as const, 'verify' as const] };

async function type(testId: string, value: string) {
  fireEvent.change(await screen.findByTestId(testId), { target: { value } });
}

async function renderAt(hash: string) {
  window.location.hash = hash;
  render(<App />);
}

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
