// Screens import commands from here, never from '@tauri-apps/api' directly.
export { CommandError, errorMessage, toCommandError, type CommandErrorPayload } from './ipc';
export { cardCount } from './cards';
export { dbInfo, type Backend, type DbInfo } from './database';
