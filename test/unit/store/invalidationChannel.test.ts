import { parseInvalidation, serializeInvalidation, type Invalidation } from '../../../src/store/invalidationChannel';

describe('invalidation messages', () => {
  const cases: [string, Invalidation][] = [
    ['an installation', { kind: 'installation', partnerId: 'p-1', accountId: 'acct:1.a_b-c' }],
    ['a partner', { kind: 'partner', partnerId: 'p-2' }],
  ];
  test.each(cases)('when %s invalidation comes from another process, then it reads back the same', (_label, invalidation) => {
    expect(parseInvalidation(serializeInvalidation(invalidation, 'origin-a'), 'origin-b')).toEqual(invalidation);
  });

  test.each(cases)('when %s invalidation is this process own echo, then it is skipped', (_label, invalidation) => {
    expect(parseInvalidation(serializeInvalidation(invalidation, 'origin-a'), 'origin-a')).toBeNull();
  });

  test.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['no origin', '{"k":"p","p":"x"}'],
    ['an unknown kind', '{"o":"x","k":"z","p":"x"}'],
    ['an installation without account', '{"o":"x","k":"i","p":"x"}'],
    ['an empty partner', '{"o":"x","k":"p","p":""}'],
    ['a partner id that is not a string', '{"o":"x","k":"p","p":7}'],
  ])('when a message is %s, then it is ignored', (_label, message) => {
    expect(parseInvalidation(message, 'me')).toBeNull();
  });
});
