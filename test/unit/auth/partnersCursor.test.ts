import { decodePartnersCursor, encodePartnersCursor, isAfterCursor } from '../../../src/auth/partnersCursor';

describe('partners cursor', () => {
  test('when a position is encoded, then it decodes to the same position', () => {
    const position = { score: 1_767_000_000_123, id: '0b9d6f2e-1c1a-4c1e-9d3e-2f6a7b8c9d0e' };
    expect(decodePartnersCursor(encodePartnersCursor(position))).toEqual(position);
  });

  test.each([
    ['not base64url', 'a b'],
    ['empty', ''],
    ['no separator', Buffer.from('12345').toString('base64url')],
    ['a negative score', Buffer.from('-1:abc').toString('base64url')],
    ['an id with braces', Buffer.from('1:{x}').toString('base64url')],
    ['an installations cursor', Buffer.from('acct-1').toString('base64url')],
  ])('when the cursor is %s, then it is refused', (_label, cursor) => {
    expect(decodePartnersCursor(cursor)).toBeUndefined();
  });

  test.each([
    [{ score: 5, member: 'b' }, true],
    [{ score: 5, member: 'a' }, false],
    [{ score: 5, member: 'aa' }, true],
    [{ score: 4, member: 'z' }, false],
    [{ score: 6, member: '0' }, true],
  ])('when the entry is %j and the cursor is (5, a), then it comes after: %s', (entry, after) => {
    expect(isAfterCursor(entry, { score: 5, id: 'a' })).toBe(after);
  });
});
