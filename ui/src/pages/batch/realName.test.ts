import { describe, expect, it } from 'vitest';
import { batchTotal, needsRealName } from './realName';

describe('batch real-name rule', () => {
  it('computes the total exactly', () => {
    expect(batchTotal(20, '500')).toBe('10000.00');
    expect(batchTotal('3', '0.10')).toBe('0.30');
    expect(batchTotal(0, '500')).toBeNull();
    expect(batchTotal(2, 'x')).toBeNull();
    expect(batchTotal(undefined, '500')).toBeNull();
  });

  it('asks for the buyer from the threshold on, not below', () => {
    expect(needsRealName('10000.00', '10000.00')).toBe(true);
    expect(needsRealName('9999.99', '10000.00')).toBe(false);
    expect(needsRealName(null, '10000.00')).toBe(false);
    expect(needsRealName('20000.00', undefined)).toBe(false);
  });
});
