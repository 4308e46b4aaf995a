import { describe, expect, it } from 'vitest';
import type { CardInfo, Permission } from '../../bindings';
import { availability, CARD_ACTIONS } from './actions';

const SERVICE: Permission[] = ['service_cards', 'read_cards'];

function card(over: Partial<CardInfo>): Pick<CardInfo, 'status' | 'registered' | 'balance'> {
  return { status: 'active', registered: true, balance: '0.00', ...over };
}

function enabled(c: Pick<CardInfo, 'status' | 'registered' | 'balance'>, permissions = SERVICE): string[] {
  return CARD_ACTIONS.filter((a) => availability(a, c, permissions).enabled);
}

describe('card actions by status, registered flag and permission', () => {
  it('an active registered card: freeze, report loss, replace, close', () => {
    expect(enabled(card({}))).toEqual(['freeze', 'report_loss', 'replace', 'close']);
  });

  it('an active anonymous card: no loss report; extend; no cash-out with a balance', () => {
    expect(enabled(card({ registered: false }))).toEqual(['freeze', 'replace', 'close', 'extend']);
    expect(enabled(card({ registered: false, balance: '10.00' }))).toEqual(['freeze', 'replace', 'extend']);
    expect(availability('close', card({ registered: false, balance: '10.00' }), SERVICE)).toEqual({ enabled: false, why: 'anonymousBalance' });
    expect(availability('report_loss', card({ registered: false }), SERVICE)).toEqual({ enabled: false, why: 'registeredOnly' });
  });

  it('a frozen card: unfreeze or report loss only', () => {
    expect(enabled(card({ status: 'frozen' }))).toEqual(['unfreeze', 'report_loss']);
  });

  it('a lost card: replace (balance moves) or close', () => {
    expect(enabled(card({ status: 'lost' }))).toEqual(['replace', 'close']);
  });

  it('an expired anonymous card with a balance: extend or replace, never confiscated', () => {
    expect(enabled(card({ status: 'expired', registered: false, balance: '50.00' }))).toEqual(['replace', 'extend']);
  });

  it('a closed card: nothing', () => {
    expect(enabled(card({ status: 'closed' }))).toEqual([]);
    expect(availability('freeze', card({ status: 'closed' }), SERVICE)).toEqual({ enabled: false, why: 'closed' });
  });

  it('without service_cards: nothing, whatever the card', () => {
    expect(enabled(card({}), ['read_cards'])).toEqual([]);
    expect(availability('freeze', card({}), ['read_cards'])).toEqual({ enabled: false, why: 'noPermission' });
  });
});
