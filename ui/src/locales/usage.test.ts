// Every key the screens ask for exists. Literal keys are read from the sources; keys built from a
// vocabulary (`cardStatus.${status}`) are checked for every value of that vocabulary.
import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n';
import { menuLabelKey, ROUTES } from '../access';
import { CARD_ACTIONS } from '../pages/cards/actions';
import { MERCHANT_STATUSES } from '../services/clearing';

// Vite reads the sources for us (no Node typings needed in a browser project).
const SOURCES = import.meta.glob<string>(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../bindings/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

function literalKeys(): string[] {
  const keys = new Set<string>();
  for (const text of Object.values(SOURCES)) {
    for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.-]*)'/g)) keys.add(match[1] ?? '');
  }
  return [...keys].filter((k) => k.includes('.'));
}

const VOCABULARIES: Record<string, readonly string[]> = {
  menu: ROUTES.filter((r) => menuLabelKey(r) === `menu.${r}`),
  cardStatus: ['active', 'frozen', 'lost', 'closed', 'expired'],
  cardType: ['physical', 'virtual', 'cobrand'],
  cardAction: CARD_ACTIONS,
  'cards.explain': CARD_ACTIONS,
  'cards.why': ['noPermission', 'closed', 'notActive', 'notFrozen', 'frozen', 'anonymousOnly', 'registeredOnly', 'alreadyLost', 'anonymousBalance'],
  channel: ['cash', 'unionpay', 'wechat', 'alipay', 'ecny', 'bank_transfer'],
  payerType: ['person', 'company'],
  funding: ['debit', 'credit'],
  medium: ['nfc', 'qr', 'ecny'],
  roles: ['admin', 'operator', 'finance', 'merchant_manager', 'regional_manager', 'auditor'],
  category: ['apparel', 'bags', 'cosmetics', 'sports', 'dining', 'kids', 'jewellery', 'appliances', 'home', 'specialty', 'tourism', 'transit', 'other'],
  activity: ['issue', 'issue_load', 'top_up', 'purchase', 'refund', 'transfer_in', 'transfer_out', 'reversal', 'replace_in', 'replace_out', 'redemption', 'freeze', 'unfreeze', 'report_loss', 'extend', 'close'],
  backend: ['sqlite', 'postgres'],
  'setup.strength': ['weak', 'fair', 'strong'],
  'clearing.status': MERCHANT_STATUSES,
  'clearing.to': ['active', 'suspended', 'terminated'],
  'clearing.confirmTo': ['active', 'suspended', 'terminated'],
  'clearing.merchants': ['apply', 'submit', 'review', 'contract'],
  'clearing.settle': ['gross', 'refunds', 'fees', 'fee_issuer', 'fee_operator', 'net', 'carry_in', 'payout', 'carry_out'],
  'clearing.payout': ['pending', 'paid', 'returned', 'none'],
  'clearing.recon.items': ['custody', 'coverage_shortfall', 'ledger_funds_shortfall'],
  'clearing.recon.sides': ['channel', 'ledger'],
};

describe('locale keys used by the screens', () => {
  for (const language of ['zh-CN', 'en-US'] as const) {
    const i18n = createI18n(language);

    it(`${language} has every literal key`, () => {
      const keys = literalKeys();
      expect(keys.length).toBeGreaterThan(100);
      expect(keys.filter((k) => !i18n.exists(k))).toEqual([]);
    });

    it(`${language} names every vocabulary value`, () => {
      const missing = Object.entries(VOCABULARIES).flatMap(([prefix, values]) =>
        values.map((v) => `${prefix}.${v}`).filter((k) => !i18n.exists(k)),
      );
      expect(missing).toEqual([]);
    });
  }
});
