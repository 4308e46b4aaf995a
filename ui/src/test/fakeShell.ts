// A stand-in for the desktop shell in screen tests: answers commands from fixtures that follow
// CONSOLE-API.md, records every call, and lets a test make a command refuse.
import type { AuthStatus, CardInfo, MallInfo, MerchantInfo, Overview, Rules, Session } from '../bindings';

export interface Recorded {
  command: string;
  args: unknown;
}

export const CARD: CardInfo = {
  id: 1,
  card: '6200580000000000016',
  type: 'physical',
  registered: true,
  status: 'active',
  balance: '700.00',
  expires_on: null,
  mall: 'SH01',
  holder: '张*',
  phone: '138****5678',
  issued_at: '2026-11-27T10:00:00+08:00',
  replaced_by: null,
};

export const RULES: Rules = {
  balance_cap_registered: '5000.00',
  balance_cap_anonymous: '1000.00',
  real_name_threshold: '10000.00',
  cash_limit_company: '5000.00',
  cash_limit_person: '50000.00',
  credit_funding_allowed: false,
  redemption_min_months: 3,
  anonymous_validity_years: 3,
};

export const OVERVIEW: Overview = {
  date: '2026-11-27',
  top_ups: { count: 3, amount: '1500.00' },
  purchases: { count: 2, amount: '320.50' },
  refunds: { count: 1, amount: '20.00' },
  outstanding_balance: '12345.67',
  cards_by_status: [
    { status: 'active', count: 40 },
    { status: 'frozen', count: 2 },
  ],
  cards_by_type: [{ card_type: 'physical', count: 42 }],
  cards_total: 42,
};

export const OPERATOR: Session = {
  user: 'op1',
  role: 'operator',
  scopes: [],
  permissions: ['issue_cards', 'service_cards', 'top_up', 'pay', 'refund', 'transfer', 'read_cards', 'read_members'],
};

export const ADMIN: Session = {
  user: 'admin',
  role: 'admin',
  scopes: [],
  permissions: [...OPERATOR.permissions, 'administer', 'manage_malls', 'reverse', 'verify'],
};

export const STATUS: AuthStatus = {
  db_ok: true,
  db_error: null,
  db: { url: '/data/onecard.db', backend: 'sqlite' },
  needs_setup: false,
  sandbox: true,
  demo_user: 'demo',
  demo_password: 'demo-pass',
};

const MALLS: MallInfo[] = [{ code: 'SH01', name: '上海奥莱', region: 'east', city_tier: 1 }];
const MERCHANTS: MerchantInfo[] = [{ id: 3, mall: 'SH01', name: 'Brand A', category: 'apparel', active: true }];

type Handler = (args: unknown) => unknown;

export class FakeShell {
  calls: Recorded[] = [];
  handlers: Record<string, Handler> = {
    auth_status: () => STATUS,
    session: () => null,
    login: () => OPERATOR,
    logout: () => null,
    overview: () => OVERVIEW,
    card_list: () => ({ rows: [{ ...CARD, card: '620058*********0016' }], next: null }),
    card_count: () => 1,
    card_get: () => CARD,
    card_show: () => CARD,
    card_history: () => [
      { seq: 1, kind: 'issue', amount: '0.00', balance_after: '0.00', entry_id: null, actor: 'op1', at: '2026-11-27T10:00:00+08:00', note: '' },
      { seq: 2, kind: 'top_up', amount: '700.00', balance_after: '700.00', entry_id: 9, actor: 'op1', at: '2026-11-27T10:01:00+08:00', note: 'cash' },
    ],
    mall_list: () => MALLS,
    merchant_list: () => MERCHANTS,
    rules_get: () => RULES,
    settings_get: () => ({ backend: 'sqlite', sqlite_path: null, pg_url: null, pg_password_saved: false }),
  };

  /** Makes `command` reject with the shell's error shape. */
  refuse(command: string, code: string, message = `${command} refused`): void {
    this.handlers[command] = () => {
      throw { code, message };
    };
  }

  invoke = async (command: string, args?: unknown): Promise<unknown> => {
    this.calls.push({ command, args });
    const handler = this.handlers[command];
    if (handler === undefined) throw { code: 'ipc', message: `no fake for ${command}` };
    return handler(args);
  };

  argsOf(command: string): unknown[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }
}
