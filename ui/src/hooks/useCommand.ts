// The one request helper screens use: every load and every submit keeps its failure as a
// `CommandError` (translated at render time, so a language switch re-translates it) and ignores
// answers that arrive after the screen moved on.
import { useCallback, useEffect, useRef, useState } from 'react';
import { toCommandError, type CommandError } from '../services/ipc';

export interface Loaded<T> {
  data: T | undefined;
  error: CommandError | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change; `reload` runs it again. */
export function useCommand<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<CommandError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (raw: unknown) => {
        if (!live) return;
        setError(toCommandError(raw));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // `deps` is the caller's list, exactly as with useEffect.
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

export interface Submitting<A extends unknown[], R> {
  /** Runs the command; resolves with its result, or undefined after a failure (kept in `error`). */
  run: (...args: A) => Promise<R | undefined>;
  pending: boolean;
  error: CommandError | null;
  clearError: () => void;
}

/** Wraps a command a form submits: tracks pending (to block double submits) and the refusal. */
export function useSubmit<A extends unknown[], R>(command: (...args: A) => Promise<R>): Submitting<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const commandRef = useRef(command);
  commandRef.current = command;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await commandRef.current(...args);
    } catch (raw) {
      if (mounted.current) setError(toCommandError(raw));
      return undefined;
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}
