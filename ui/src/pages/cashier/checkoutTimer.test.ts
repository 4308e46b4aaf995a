import { describe, expect, it } from 'vitest';
import { checkoutSeconds, MAX_CHECKOUT_SECONDS } from './checkoutTimer';

describe('checkoutSeconds', () => {
  it('rounds to whole seconds and stays within what the core accepts', () => {
    expect(checkoutSeconds(1_000, 73_400)).toBe(72);
    expect(checkoutSeconds(1_000, 1_400)).toBe(0);
    expect(checkoutSeconds(5_000, 1_000)).toBe(0);
    expect(checkoutSeconds(0, 10 ** 12)).toBe(MAX_CHECKOUT_SECONDS);
  });
});
