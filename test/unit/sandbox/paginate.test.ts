import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, paginate } from '../../../src/sandbox/paginate';

const items = Array.from({ length: 250 }, (_, i) => i);
const c = encodeCursor;

describe('paginate', () => {
  test.each([
    ['first 10', { first: 10 }, 0, 10, true, false],
    ['first 10 after item 9', { first: 10, after: c(9) }, 10, 20, true, true],
    ['last 5', { last: 5 }, 245, 250, false, true],
    ['last 5 before item 100', { last: 5, before: c(100) }, 95, 100, true, true],
    ['no size: the default page', {}, 0, MAX_PAGE_SIZE, true, false],
    ['first above the cap', { first: 500 }, 0, MAX_PAGE_SIZE, true, false],
    ['after the last item', { first: 10, after: c(249) }, 250, 250, false, true],
    ['an unknown cursor is ignored', { first: 3, after: 'bm9wZQ==' }, 0, 3, true, false],
    ['first 0', { first: 0 }, 0, 0, true, false],
  ])('when asked for %s, then the page is the right slice with the right pageInfo', (_name, args, start, end, hasNext, hasPrev) => {
    const page = paginate(items, args);
    expect(page.nodes).toEqual(items.slice(start, end));
    expect(page.edges.map((e) => decodeCursor(e.cursor))).toEqual(items.slice(start, end));
    expect(page.pageInfo).toMatchObject({ hasNextPage: hasNext, hasPreviousPage: hasPrev });
    expect(page.pageInfo.endCursor).toBe(end > start ? c(end - 1) : null);
    expect(page.totalCount).toBe(250);
  });

  test('when cursors round-trip, then they are opaque base64 strings naming the index', () => {
    expect(encodeCursor(41)).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(decodeCursor(encodeCursor(41))).toBe(41);
    expect(decodeCursor('!!')).toBeUndefined();
  });
});
