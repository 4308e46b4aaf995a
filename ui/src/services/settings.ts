// Where the console's data lives. The PostgreSQL password goes to the OS keychain through the
// shell and never comes back: `DbSettings` only says whether one is saved.
import type { DbInfo, DbSettings, DbSettingsRequest } from '../bindings';
import { call } from './ipc';

export function settingsGet(): Promise<DbSettings> {
  return call<DbSettings>('settings_get');
}

/** Saves and reconnects; rejects with `db_unavailable` when the new database cannot be opened. */
export function settingsSetDb(request: DbSettingsRequest): Promise<DbInfo> {
  return call<DbInfo>('settings_set_db', { request });
}
