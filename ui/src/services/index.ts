// The shell's commands, one module per domain. Screens import from here (or the domain module),
// never from '@tauri-apps/api' directly.
export { CommandError, errorMessage, toCommandError, type CommandErrorPayload } from './ipc';
export * from './auth';
export * from './cards';
export * from './members';
export * from './overview';
export * from './payments';
export * from './settings';
export * from './users';
export { newJobId, newReference } from './reference';
