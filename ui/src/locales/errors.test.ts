// Every refusal an operator can meet is explained in both languages: the codes of
// CONSOLE-API.md and the core's codes the brief lists.
import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n';
import { errorMessage } from '../services/ipc';

export const ERROR_CODES = [
  // CONSOLE-API.md
  'setup_done', 'weak_password', 'invalid_credentials', 'account_locked', 'user_exists', 'invalid_scope',
  'forbidden', 'not_signed_in', 'card_frozen', 'card_lost', 'card_closed', 'loss_report_not_allowed',
  'redemption_not_allowed', 'real_name_required', 'invalid_id_number', 'invalid_phone', 'invalid_name',
  'qr_not_available', 'cancelled', 'balance_cap_exceeded', 'cash_limit_exceeded', 'payer_mismatch',
  'credit_funding_refused', 'insufficient_funds', 'qr_invalid', 'qr_expired', 'qr_used', 'merchant_inactive',
  'refund_exceeds_purchase', 'payment_not_found', 'db_unavailable',
  // The core's codes the console must explain.
  'invalid_amount', 'invalid_card_number', 'card_not_found', 'card_expired', 'conflict', 'already_reversed',
  'merchant_not_found', 'invalid_reference', 'not_initialized', 'key_unavailable', 'internal', 'database', 'usage',
  // Raised by the core today (core/src), beyond the lists above.
  'card_not_frozen', 'extension_not_allowed', 'mall_not_found', 'invalid_count', 'invalid_checkout_seconds',
  'reason_required', 'same_card', 'unknown_user', 'payment_reversed', 'invalid_limit',
  // The clearing center (core/src/clearing).
  'already_imported', 'already_resolved', 'day_not_closed', 'exception_not_found', 'export_failed', 'invalid_channel',
  'invalid_credit_code', 'invalid_fee_rate', 'invalid_format', 'invalid_import', 'invalid_merchant_state', 'invalid_month',
  'invalid_payout_state', 'invalid_setting', 'maker_checker', 'no_custody_statement', 'not_settled', 'payout_not_found',
  'settlement_account_required', 'settlement_out_of_order', 'unsettled_balance', 'invalid_category',
] as const;

const zh = createI18n('zh-CN');
const en = createI18n('en-US');

/** The code has its own text in both languages, Chinese for Chinese operators. */
function expectBothLanguages(code: string): void {
  const error = { code, message: `shell message for ${code}` };
  const zhText = errorMessage(error, zh.t);
  const enText = errorMessage(error, en.t);
  expect(zh.exists(`errors.${code}`)).toBe(true);
  expect(en.exists(`errors.${code}`)).toBe(true);
  expect(zhText).not.toBe(error.message);
  expect(enText).not.toBe(error.message);
  expect(zhText).not.toBe(enText);
  expect(zhText).toMatch(/[\u4e00-\u9fff]/);
}

describe('error codes', () => {
  it.each(ERROR_CODES)('%s has a zh-CN and an en-US text', expectBothLanguages);
});

// Every code the Rust side can raise (`Error::new("code", …)` in core/src, `Error::new` and
// `CommandError::new` in src-tauri/src) has a text in both languages, so a new refusal cannot reach
// an operator as a bare English shell message. The .rs files lie outside ui/, where Vite's
// `import.meta.glob` may not read (server.fs), so Node's fs reads them. This browser project has no
// Node typings: the specifier is a variable, so TypeScript leaves the import untyped, and the few
// calls used are typed here.
interface NodeFs {
  readdirSync(dir: URL, options: { recursive: true; encoding: 'utf8' }): string[];
  readFileSync(file: URL, encoding: 'utf8'): string;
}
const NODE_FS = 'node:fs';
const fs = (await import(/* @vite-ignore */ NODE_FS)) as NodeFs;
// This file is ui/src/locales/errors.test.ts: three levels up is the repository root.
const REPO = new URL('../../../', import.meta.url);
const RUST_DIRS = ['core/src/', 'src-tauri/src/'];

function rustSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const dir of RUST_DIRS) {
    const base = new URL(dir, REPO);
    for (const name of fs.readdirSync(base, { recursive: true, encoding: 'utf8' })) {
      if (name.endsWith('.rs')) sources[dir + name] = fs.readFileSync(new URL(name, base), 'utf8');
    }
  }
  return sources;
}

const RUST_SOURCES = rustSources();

function rustErrorCodes(): string[] {
  const codes = new Set<string>();
  for (const text of Object.values(RUST_SOURCES)) {
    // `\s*` spans the newline when the code sits on the line after `Error::new(`.
    for (const match of text.matchAll(/(Command)?Error::new\(\s*"([a-z_]+)"/g)) codes.add(match[2] ?? '');
  }
  return [...codes].sort();
}

describe('error codes raised by the Rust code', () => {
  const codes = rustErrorCodes();

  it('finds the sources and a plausible number of codes', () => {
    const files = Object.keys(RUST_SOURCES);
    expect(files.some((f) => f.startsWith('core/src/'))).toBe(true);
    expect(files.some((f) => f.startsWith('src-tauri/src/'))).toBe(true);
    // A broken path or regex must not pass silently with nothing to check.
    expect(codes.length).toBeGreaterThan(80);
    expect(codes).toContain('invalid_settings'); // a CommandError code of src-tauri
    expect(codes).toContain('clock_override_refused'); // code on the line after `Error::new(`
  });

  it.each(codes)('%s has a zh-CN and an en-US text', expectBothLanguages);
});
