import { describe, expect, it } from 'vitest';
import { back, cursorOf, FIRST_PAGE, forward, pageNumberOf } from './paging';

describe('keyset pager', () => {
  it('starts on page 1 with no cursor', () => {
    expect(cursorOf(FIRST_PAGE)).toBeNull();
    expect(pageNumberOf(FIRST_PAGE)).toBe(1);
  });

  it('goes forward with the server cursor and back through the stack', () => {
    const p2 = forward(FIRST_PAGE, 'c2');
    const p3 = forward(p2, 'c3');
    expect([cursorOf(p3), pageNumberOf(p3)]).toEqual(['c3', 3]);
    const again2 = back(p3);
    expect([cursorOf(again2), pageNumberOf(again2)]).toEqual(['c2', 2]);
    expect(cursorOf(back(again2))).toBeNull();
  });

  it('stays on the first page when going back from it', () => {
    expect(back(FIRST_PAGE)).toBe(FIRST_PAGE);
  });
});
