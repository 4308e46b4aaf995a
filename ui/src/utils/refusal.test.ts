import { describe, expect, it } from 'vitest';
import { refusalField } from './refusal';

describe('refusalField', () => {
  const map = { balance_cap_exceeded: 'amount', 'card_*': 'card', payer_mismatch: 'payer_name' } as const;

  it('maps exact codes, then prefixes, else nothing', () => {
    expect(refusalField('balance_cap_exceeded', map)).toBe('amount');
    expect(refusalField('card_frozen', map)).toBe('card');
    expect(refusalField('payer_mismatch', map)).toBe('payer_name');
    expect(refusalField('internal', map)).toBeNull();
  });
});
