// Database commands (src-tauri/src/commands/database.rs).
import { call } from './ipc';

export type Backend = 'sqlite' | 'postgres';

/** Where the console's data lives; a PostgreSQL URL comes without its password. */
export interface DbInfo {
  url: string;
  backend: Backend;
}

export function dbInfo(): Promise<DbInfo> {
  return call<DbInfo>('db_info');
}
