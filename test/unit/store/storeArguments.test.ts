import { isGatewayError } from '../../../src/errors/gatewayError';
import {
  assertLimit,
  assertScore,
  compareScoredMembers,
  formatScore,
  normalizeTtlMs,
  parseScore,
  parseStoreInteger,
} from '../../../src/store/storeArguments';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isGatewayError(error) ? error.code : 'not a GatewayError';
  }
}

describe('normalizeTtlMs', () => {
  test.each([
    [1, 1],
    [1500, 1500],
    [0.2, 1],
    [10.5, 11],
  ])('when the TTL is %p, then it becomes %p whole milliseconds', (input, expected) => {
    expect(normalizeTtlMs(input)).toBe(expected);
  });

  test.each([0, -1, NaN, Infinity])('when the TTL is %p, then it is refused as a bug', (input) => {
    expect(codeOf(() => normalizeTtlMs(input))).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('assertScore and assertLimit', () => {
  test.each([
    [() => assertScore(NaN), 'INTERNAL_SERVER_ERROR'],
    [() => assertScore(-Infinity), undefined],
    [() => assertScore(1.5), undefined],
    [() => assertLimit(undefined), undefined],
    [() => assertLimit(0), undefined],
    [() => assertLimit(-1), 'INTERNAL_SERVER_ERROR'],
    [() => assertLimit(1.5), 'INTERNAL_SERVER_ERROR'],
  ])('when checked (case %#), then the outcome is %p', (run, expected) => {
    expect(codeOf(run)).toBe(expected);
  });
});

describe('parseStoreInteger', () => {
  test.each([
    ['0', 0],
    ['-12', -12],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', undefined],
    ['01', undefined],
    ['1.0', undefined],
    [' 1', undefined],
    ['', undefined],
    ['abc', undefined],
  ])('when the value is %p, then it reads as %p', (input, expected) => {
    expect(parseStoreInteger(input)).toBe(expected);
  });
});

describe('formatScore and parseScore', () => {
  test.each([
    [Infinity, '+inf'],
    [-Infinity, '-inf'],
    [1.5, '1.5'],
    [-0.25, '-0.25'],
    [1767225600123.5, '1767225600123.5'],
  ])('when the score is %p, then Redis sees %p and it reads back the same', (score, text) => {
    expect(formatScore(score)).toBe(text);
    expect(parseScore(text)).toBe(score);
  });

  test.each([
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['1.1000000000000001', 1.1],
  ])('when Redis answers %p, then the score is %p', (text, score) => {
    expect(parseScore(text)).toBe(score);
  });

  test('when Redis answers something that is not a number, then it is refused as a bug', () => {
    expect(codeOf(() => parseScore('nan?'))).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('compareScoredMembers', () => {
  test.each([
    [{ member: 'b', score: 1 }, { member: 'a', score: 2 }, -1],
    [{ member: 'a', score: 2 }, { member: 'b', score: 2 }, -1],
    [{ member: 'b', score: 2 }, { member: 'a', score: 2 }, 1],
    [{ member: 'a', score: 2 }, { member: 'a', score: 2 }, 0],
    // UTF-8 byte order (Redis): U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80); UTF-16 order says the opposite.
    [{ member: '\uFF5E', score: 0 }, { member: '\u{1F600}', score: 0 }, -1],
  ])('when comparing %p with %p, then the sign is %p', (a, b, sign) => {
    expect(Math.sign(compareScoredMembers(a, b))).toBe(sign);
  });
});
