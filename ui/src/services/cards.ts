// Card commands (src-tauri/src/commands/cards.rs).
import { call } from './ipc';

/** How many cards the database holds, all states included. */
export function cardCount(): Promise<number> {
  return call<number>('card_count');
}
