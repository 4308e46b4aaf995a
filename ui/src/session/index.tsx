// What the console knows about the shell before and after sign-in: the database status (open?
// first start? demo credentials?) and the signed-in session. The gate in App.tsx picks the screen
// from this; pages read the session's permissions through `useSession`.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AuthStatus, Session } from '../bindings';
import { authStatus, logout, session as currentSession } from '../services/auth';
import { onSignedOut, toCommandError, type CommandError } from '../services/ipc';

export type StatusLoad =
  | { state: 'loading' }
  | { state: 'ready'; status: AuthStatus }
  | { state: 'failed'; error: CommandError };

export interface SessionState {
  status: StatusLoad;
  session: Session | null;
  /** Asks the shell again (after a database change, or "retry" on the error screen). */
  refresh: () => Promise<void>;
  signedIn: (session: Session) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<StatusLoad>({ state: 'loading' });
  const [session, setSession] = useState<Session | null>(null);

  const refresh = useCallback(async () => {
    try {
      const next = await authStatus();
      // A webview reload keeps the shell's session: pick it up instead of asking to sign in again.
      const held = next.db_ok && !next.needs_setup ? await currentSession().catch(() => null) : null;
      setSession(held);
      setStatus({ state: 'ready', status: next });
    } catch (raw) {
      setStatus({ state: 'failed', error: toCommandError(raw) });
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => onSignedOut(() => setSession(null)), []);

  const signOut = useCallback(async () => {
    // The local session ends even if the shell could not be told (it forgets it on exit anyway).
    await logout().catch(() => null);
    setSession(null);
  }, []);

  const signedIn = useCallback((next: Session) => {
    setSession(next);
    // Signing in after the first-start setup means the database is set up now.
    setStatus((prev) => (prev.state === 'ready' ? { state: 'ready', status: { ...prev.status, needs_setup: false } } : prev));
  }, []);

  const value = useMemo<SessionState>(
    () => ({ status, session, refresh, signedIn, signOut }),
    [status, session, refresh, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSessionState outside SessionProvider');
  return value;
}

/** The signed-in session; only pages inside the shell (which exists only when signed in) call it. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (session === null) throw new Error('useSession without a session');
  return session;
}
