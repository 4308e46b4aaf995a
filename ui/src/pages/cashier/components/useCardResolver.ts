// What is in the cashier's card box: a typed 19-digit number, or a QR payload from the customer's
// phone, which card_from_qr turns into the card (checking signature and freshness without using
// the code up; `pay` uses it).
import { useState } from 'react';
import { toCommandError, type CommandError } from '../../../services/ipc';
import { cardFromQr } from '../../../services/payments';

export interface Resolved {
  input: string;
  card: string;
  qrPayload: string | null;
}

export function looksLikeNumber(input: string): boolean {
  return /^\d{19}$/.test(input);
}

export interface CardResolver {
  resolved: Resolved | null;
  error: CommandError | null;
  /** Resolves `input` (cached while it does not change); null when empty or refused. */
  resolve: (input: string) => Promise<Resolved | null>;
  /** The box changed: forget what no longer matches. */
  changed: (input: string) => void;
  clear: () => void;
}

export function useCardResolver(onQr: () => void): CardResolver {
  const [resolved, setResolved] = useState<Resolved | null>(null);
  const [error, setError] = useState<CommandError | null>(null);

  const resolve = async (raw: string): Promise<Resolved | null> => {
    const input = raw.trim();
    if (input === '') return null;
    if (resolved?.input === input) return resolved;
    if (looksLikeNumber(input)) {
      const r = { input, card: input, qrPayload: null };
      setResolved(r);
      return r;
    }
    try {
      const card = await cardFromQr(input);
      const r = { input, card: card.card, qrPayload: input };
      setResolved(r);
      setError(null);
      onQr();
      return r;
    } catch (e) {
      setResolved(null);
      setError(toCommandError(e));
      return null;
    }
  };

  const changed = (raw: string) => {
    const input = raw.trim();
    setError(null);
    if (looksLikeNumber(input)) setResolved({ input, card: input, qrPayload: null });
    else if (resolved?.input !== input) setResolved(null);
  };

  return { resolved, error, resolve, changed, clear: () => setResolved(null) };
}
