import {
  decodeInstallationsCursor,
  encodeInstallationsCursor,
  selectInstallationsPage,
} from '../../../src/connector/installationsCursor';

describe('installations cursor', () => {
  test.each(['a', 'acc-1', 'A.b:c_d-9', 'x'.repeat(128)])('when %j is encoded, then it decodes back', (id) => {
    expect(decodeInstallationsCursor(encodeInstallationsCursor(id))).toBe(id);
  });

  test.each(['', 'not base64!', Buffer.from('bad/id').toString('base64url'), 'YQ==', 'x'.repeat(300)])(
    'when the cursor is %j, then it is refused',
    (cursor) => {
      expect(decodeInstallationsCursor(cursor)).toBeUndefined();
    },
  );

  const ids = ['A', 'a', 'b', 'c', 'd'];
  test.each([
    [{ first: 2 }, ['A', 'a'], true],
    [{ first: 2, after: 'a' }, ['b', 'c'], true],
    [{ first: 2, after: 'c' }, ['d'], false],
    [{ first: 2, after: 'd' }, [], false],
    [{ first: 10, after: 'bb' }, ['c', 'd'], false],
    [{ first: 5 }, ['A', 'a', 'b', 'c', 'd'], false],
    [{ first: 0 }, [], true],
  ])('when paging with %j, then the page is %j and hasNextPage is %s', (options, expected, hasNextPage) => {
    const page = selectInstallationsPage(ids, options);
    expect(page.ids).toEqual(expected);
    expect(page.hasNextPage).toBe(hasNextPage);
    const last = expected[expected.length - 1];
    expect(page.endCursor).toBe(last === undefined ? null : encodeInstallationsCursor(last));
  });
});
