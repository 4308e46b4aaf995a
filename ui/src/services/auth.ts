// Sign-in and session commands. `auth_status` answers even when the database did not open, so the
// console can tell "sign in", "first start" and "database unavailable" apart before anything else.
import type { AuthStatus, Session } from '../bindings';
import { startupTimings } from '../startup';
import { call } from './ipc';

export function authStatus(): Promise<AuthStatus> {
  return call<AuthStatus>('auth_status');
}

/** First start of an empty production database: creates `admin` with this password. */
export function setupAdmin(password: string): Promise<Session> {
  return call<Session>('setup_admin', { password });
}

export function login(user: string, password: string): Promise<Session> {
  return call<Session>('login', { user, password });
}

export function logout(): Promise<null> {
  return call<null>('logout');
}

/** The session the shell holds (survives a page reload of the webview), or null. */
export function session(): Promise<Session | null> {
  return call<Session | null>('session');
}

/**
 * Tells the shell the sign-in screen is up. The shell only records it when a start-up benchmark
 * asks (ONECARD_STARTUP_PROBE); failing to tell it must never disturb signing in.
 */
export function uiReady(): void {
  call<null>('ui_ready', startupTimings()).catch(() => undefined);
}
