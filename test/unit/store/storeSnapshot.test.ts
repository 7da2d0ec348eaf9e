import { parseStoreSnapshot, serializeStoreSnapshot, type StoreEntry } from '../../../src/store/storeSnapshot';

describe('store snapshots', () => {
  test('when entries are written and read back, then they are equal, infinities and odd keys included', () => {
    const entries = new Map<string, StoreEntry>([
      ['plain', { kind: 'string', value: 'v é 🚀', expiresAt: null }],
      ['__proto__', { kind: 'string', value: 'just a key', expiresAt: 5000 }],
      ['z', { kind: 'zset', members: new Map([['a', -Infinity], ['b', 1.5], ['c', Infinity]]), expiresAt: null }],
    ]);
    const parsed = parseStoreSnapshot(serializeStoreSnapshot(entries, 1000), 1000);
    expect(parsed).toEqual({ ok: true, entries });
  });

  test('when entries have expired by the time of writing or reading, then they are left out', () => {
    const entries = new Map<string, StoreEntry>([
      ['old', { kind: 'string', value: 'v', expiresAt: 1000 }],
      ['later', { kind: 'string', value: 'v', expiresAt: 2000 }],
    ]);
    const text = serializeStoreSnapshot(entries, 1000);
    expect(text).not.toContain('"old"');
    const parsed = parseStoreSnapshot(text, 2000);
    expect(parsed.ok && [...parsed.entries.keys()]).toEqual([]);
  });

  test.each([
    ['', /not JSON/],
    ['{"entries":[]}', /not a store snapshot \(format/],
    ['{"format":"jobber-gateway-store","version":2,"entries":[]}', /version/],
    ['{"format":"jobber-gateway-store","version":1,"entries":[{"k":"a"}]}', /entries\.0/],
    ['{"format":"jobber-gateway-store","version":1,"entries":[{"k":"z","z":[["m","oops"]]}]}', /"z" has a score that is not a number/],
  ])('when the file holds %p, then it is refused with a reason matching %p', (text, reason) => {
    const parsed = parseStoreSnapshot(text, 0);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});
