// The running checkout timer of the payment form: starts at the first focus, stops at submit.
import { useCallback, useEffect, useRef, useState } from 'react';
import { checkoutSeconds } from '../checkoutTimer';

export interface CheckoutTimer {
  /** Seconds so far, for display; null before the first focus. */
  elapsed: number | null;
  start: () => void;
  /** The seconds to send with the payment (null when not started). */
  read: () => number | null;
  reset: () => void;
}

export function useCheckoutTimer(): CheckoutTimer {
  const startedAt = useRef<number | null>(null);
  const [elapsed, setElapsed] = useState<number | null>(null);

  useEffect(() => {
    const timer = setInterval(() => {
      if (startedAt.current !== null) setElapsed(checkoutSeconds(startedAt.current, Date.now()));
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const start = useCallback(() => {
    if (startedAt.current === null) {
      startedAt.current = Date.now();
      setElapsed(0);
    }
  }, []);
  const read = useCallback(
    () => (startedAt.current === null ? null : checkoutSeconds(startedAt.current, Date.now())),
    [],
  );
  const reset = useCallback(() => {
    startedAt.current = null;
    setElapsed(null);
  }, []);
  return { elapsed, start, read, reset };
}
