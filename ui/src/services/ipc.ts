// The only place in the UI that talks to the desktop shell. Every command goes through `call`, so
// every failure reaches the screens in one shape (`CommandError`, mirroring src-tauri/src/error.rs)
// and is shown through one translation rule (`errorMessage`).
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type { TFunction } from 'i18next';

/** What a shell command rejects with: a stable snake_case code and a human message. */
export interface CommandErrorPayload {
  code: string;
  message: string;
}

export class CommandError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
  }
}

/** Code for failures of the bridge itself (no shell around the page, a broken command name). */
export const IPC_ERROR_CODE = 'ipc';

function isPayload(value: unknown): value is CommandErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.code === 'string' && typeof record.message === 'string';
}

/** Whatever `invoke` rejected with, as a `CommandError`. */
export function toCommandError(raw: unknown): CommandError {
  if (raw instanceof CommandError) return raw;
  if (isPayload(raw)) return new CommandError(raw.code, raw.message);
  if (raw instanceof Error) return new CommandError(IPC_ERROR_CODE, raw.message);
  return new CommandError(IPC_ERROR_CODE, String(raw));
}

/** The code every command rejects with once the shell's session has ended. */
export const NOT_SIGNED_IN = 'not_signed_in';

const signedOutListeners = new Set<() => void>();

/**
 * Calls `listener` whenever a command is refused with `not_signed_in` (the session ended behind
 * the screen's back), so the app can return to the login screen from one place.
 */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** Runs a shell command; rejects only with `CommandError`. */
export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    const error = toCommandError(raw);
    if (error.code === NOT_SIGNED_IN) signedOutListeners.forEach((listener) => listener());
    throw error;
  }
}

/**
 * The message to show a person: the translation of `errors.<code>` when the locale has one,
 * else the shell's own message (codes are added in the core faster than translations).
 */
export function errorMessage(error: unknown, t: TFunction): string {
  const { code, message } = toCommandError(error);
  const fallback = message.trim() === '' ? t('errors.unknown') : message;
  return t(`errors.${code}`, { defaultValue: fallback });
}
