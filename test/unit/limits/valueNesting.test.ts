import { exceedsNesting } from '../../../src/limits/valueNesting';

const nestedArrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('exceedsNesting', () => {
  test.each<[string, unknown, number, boolean]>([
    ['a scalar', 'text', 0, false],
    ['null', null, 0, false],
    ['an empty object within 1', {}, 1, false],
    ['an empty object within 0', {}, 0, true],
    ['variables of a real query', { first: 10, filter: { status: ['active', 'late'], search: 'x' } }, 3, false],
    ['the same one level too deep for 2', { first: 10, filter: { status: ['active'] } }, 2, true],
    ['42 nested arrays within 42', nestedArrays(42), 42, false],
    ['43 nested arrays within 42', nestedArrays(43), 42, true],
    ['a wide flat object', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])), 1, false],
  ])('when the value is %s, then the answer is as listed', (_name, value, max, expected) => {
    expect(exceedsNesting(value, max)).toBe(expected);
  });

  test('when JSON nests 100 000 levels (what JSON.stringify cannot take), then it is found without overflowing the stack', () => {
    const deep = nestedArrays(100_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(exceedsNesting({ variables: deep }, 42)).toBe(true);
  });
});
