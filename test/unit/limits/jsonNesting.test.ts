import { exceedsJsonNesting } from '../../../src/limits/jsonNesting';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('exceedsJsonNesting', () => {
  test.each([
    ['a GraphQL body', '{"query":"{ account { id } }","variables":{"first":10}}', 2, false],
    ['the same within 1', '{"query":"{ account { id } }","variables":{"first":10}}', 1, true],
    ['braces inside a string do not count', '{"query":"{{{{{{{{{{{{{{{{"}', 1, false],
    ['an escaped quote does not end the string', '{"q":"\\"{{{{{{{{"}', 1, false],
    ['an escaped backslash before the closing quote', '{"q":"\\\\"}', 1, false],
    ['43 levels within 43', nested(43), 43, false],
    ['44 levels within 43', nested(44), 43, true],
    ['not JSON at all', 'query { a }', 0, true],
    ['empty', '', 0, false],
    ['multi-byte characters in strings', '{"q":"é✓{"}', 1, false],
  ])('when the body is %s, then the answer is as listed', (_name, text, max, expected) => {
    expect(exceedsJsonNesting(bytes(text), max)).toBe(expected);
  });

  test('when a body nests 200 000 levels, then the scan finds it at level 44 without parsing', () => {
    expect(exceedsJsonNesting(bytes(nested(200_000)), 43)).toBe(true);
  });
});
