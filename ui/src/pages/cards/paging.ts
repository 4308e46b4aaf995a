// Keyset paging over millions of cards: the server hands out a cursor for the next page only, so
// going back means remembering the cursors of the pages already seen. The stack holds the `after`
// of every page from the first (null) to the current one.

export interface PagerState {
  readonly stack: readonly (string | null)[];
}

export const FIRST_PAGE: PagerState = { stack: [null] };

/** The `after` cursor of the page on screen. */
export function cursorOf(state: PagerState): string | null {
  return state.stack[state.stack.length - 1] ?? null;
}

/** 1-based number of the page on screen. */
export function pageNumberOf(state: PagerState): number {
  return state.stack.length;
}

export function forward(state: PagerState, next: string): PagerState {
  return { stack: [...state.stack, next] };
}

export function back(state: PagerState): PagerState {
  return state.stack.length > 1 ? { stack: state.stack.slice(0, -1) } : state;
}
