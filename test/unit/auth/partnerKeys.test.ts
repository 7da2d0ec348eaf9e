import { findLiveKey, isGraceSeconds, MAX_KEY_GRACE_SECONDS, planKeyRevocation, planKeyRotation, type StoredPartnerKey } from '../../../src/auth/partnerKeys';

const key = (id: string, expiresAt: number | null = null): StoredPartnerKey => ({ id, hash: `hash-${id}`, createdAt: 1, expiresAt });
const NOW = 1_000_000;

describe('partner key rotation', () => {
  test('when the current key is rotated with a grace, then it becomes the previous key expiring after the grace', () => {
    const change = planKeyRotation([key('a')], key('b'), NOW, 60_000);
    expect(change.keys).toEqual([key('b'), key('a', NOW + 60_000)]);
    expect(change.expiring).toEqual(key('a', NOW + 60_000));
    expect(change.dropped).toEqual([]);
  });

  test('when the grace is 0, then the old key is dropped at once and only the new key remains', () => {
    const change = planKeyRotation([key('a')], key('b'), NOW, 0);
    expect(change).toEqual({ keys: [key('b')], dropped: [key('a')], expiring: null });
  });

  test('when a previous key is still in its grace, then a new rotation drops it (at most two keys)', () => {
    const change = planKeyRotation([key('b'), key('a', NOW + 5_000)], key('c'), NOW, 60_000);
    expect(change.keys).toEqual([key('c'), key('b', NOW + 60_000)]);
    expect(change.dropped).toEqual([key('a', NOW + 5_000)]);
  });

  test('when the partner has no key on record (made before keys were listed), then the new key is the only one', () => {
    expect(planKeyRotation([], key('n'), NOW, 60_000)).toEqual({ keys: [key('n')], dropped: [], expiring: null });
  });
});

describe('partner key revocation', () => {
  test('when the previous key is revoked, then only the current key remains and the previous is dropped', () => {
    const revoked = planKeyRevocation([key('b'), key('a', NOW + 5_000)], 'a', NOW);
    expect(revoked).toEqual({ ok: true, change: { keys: [key('b')], dropped: [key('a', NOW + 5_000)], expiring: null } });
  });

  test.each([
    ['the current key', 'b', 'current'],
    ['an unknown key', 'zzz', 'unknown'],
    ['a key whose grace is over', 'a', 'unknown'],
  ])('when %s is revoked, then it is refused as %s', (_label, keyId, reason) => {
    expect(planKeyRevocation([key('b'), key('a', NOW - 1)], keyId, NOW)).toEqual({ ok: false, reason });
  });
});

describe('which keys work', () => {
  test.each([
    ['the current key', 'hash-b', 'b'],
    ['a previous key inside its grace', 'hash-a', 'a'],
    ['a previous key at the end of its grace', 'hash-c', null],
    ['an unknown hash', 'hash-x', null],
  ])('when %s is presented, then it is found: %s', (_label, hash, expected) => {
    const keys = [key('b'), key('a', NOW + 1), key('c', NOW)];
    expect(findLiveKey(keys, hash, NOW)?.id ?? null).toBe(expected);
  });

  test.each([
    [0, true],
    [MAX_KEY_GRACE_SECONDS, true],
    [MAX_KEY_GRACE_SECONDS + 1, false],
    [-1, false],
    [1.5, false],
    [Number.NaN, false],
  ])('when the grace is %s seconds, then it is accepted: %s', (value, ok) => {
    expect(isGraceSeconds(value)).toBe(ok);
  });
});
