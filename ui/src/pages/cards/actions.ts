// Which card actions make sense for a card, mirroring the core's rules (core/src/engine/apply.rs
// card_action) so the drawer only offers what would succeed, and says why the rest is disabled.
// The core still decides: a button enabled here can still be refused (e.g. redemption before the
// minimum months), and that refusal is shown translated.
import type { CardAction, CardInfo, Permission } from '../../bindings';
import { toFen } from '../../utils/money';

export const CARD_ACTIONS: readonly CardAction[] = [
  'freeze',
  'unfreeze',
  'report_loss',
  'replace',
  'close',
  'extend',
];

/** Locale key (under `cards.why`) of the reason an action is unavailable. */
export type Why =
  | 'noPermission'
  | 'closed'
  | 'notActive'
  | 'notFrozen'
  | 'frozen'
  | 'anonymousOnly'
  | 'registeredOnly'
  | 'alreadyLost'
  | 'anonymousBalance';

export type Availability = { enabled: true } | { enabled: false; why: Why };

const ok: Availability = { enabled: true };
const no = (why: Why): Availability => ({ enabled: false, why });

function hasBalance(balance: string): boolean {
  try {
    return toFen(balance) > 0n;
  } catch {
    return false;
  }
}

export function availability(
  action: CardAction,
  card: Pick<CardInfo, 'status' | 'registered' | 'balance'>,
  permissions: readonly Permission[],
): Availability {
  if (!permissions.includes('service_cards')) return no('noPermission');
  const { status, registered } = card;
  if (status === 'closed') return no('closed');
  switch (action) {
    case 'freeze':
      return status === 'active' ? ok : no('notActive');
    case 'unfreeze':
      return status === 'frozen' ? ok : no('notFrozen');
    case 'report_loss':
      if (!registered) return no('registeredOnly');
      if (status === 'lost') return no('alreadyLost');
      return status === 'active' || status === 'frozen' ? ok : no('notActive');
    case 'replace':
      return status === 'frozen' ? no('frozen') : ok;
    case 'close':
      if (status === 'frozen') return no('frozen');
      // Anonymous cards are never cashed out: the balance must be spent, moved or replaced first.
      return !registered && hasBalance(card.balance) ? no('anonymousBalance') : ok;
    case 'extend':
      return registered ? no('anonymousOnly') : ok;
  }
}
