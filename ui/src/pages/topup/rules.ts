// Which payer fields a top-up needs, and what the cash rule means for the amount being typed
// (PBoC: no cash for >= 5,000.00 by a company or >= 50,000.00 by a person; bank transfer then,
// from an account in the buyer's name). The core enforces all of it; this decides what to ask.
import type { Channel, PayerType, Rules } from '../../bindings';
import { compareAmounts, parseAmount } from '../../utils/money';

export const CHANNELS: readonly Channel[] = ['cash', 'unionpay', 'wechat', 'alipay', 'ecny', 'bank_transfer'];

/** Channels that draw on a bank card, where the card may be a credit card. */
const CARD_FUNDED: ReadonlySet<Channel> = new Set(['unionpay', 'wechat', 'alipay']);

export function needsPayerName(channel: Channel): boolean {
  return channel === 'bank_transfer';
}

export function asksFunding(channel: Channel): boolean {
  return CARD_FUNDED.has(channel);
}

/** The cash limit for this payer type. */
export function cashLimit(rules: Rules, payer: PayerType): string {
  return payer === 'company' ? rules.cash_limit_company : rules.cash_limit_person;
}

/** True when this amount in cash would be refused: the form says so before submit. */
export function cashRefused(rules: Rules, channel: Channel, payer: PayerType, typed: string): boolean {
  if (channel !== 'cash') return false;
  const amount = parseAmount(typed);
  return amount !== null && compareAmounts(amount, cashLimit(rules, payer)) >= 0;
}
