// Checkout time (结账耗时) is measured at the till: from the first touch of the payment form to
// the submit. The core takes whole seconds in 0..=86400.

export const MAX_CHECKOUT_SECONDS = 86_400;

/** Whole seconds between two instants (ms), clamped to what the core accepts. */
export function checkoutSeconds(startedAt: number, now: number): number {
  const seconds = Math.round((now - startedAt) / 1000);
  return Math.min(MAX_CHECKOUT_SECONDS, Math.max(0, seconds));
}
