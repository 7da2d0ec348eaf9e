import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { findQueryLimitViolation } from '../../../src/limits/findQueryLimitViolation';
import { parseWithinLimits } from '../../../src/limits/parseWithinLimits';
import { buildQueryTooComplexError, DEFAULT_QUERY_LIMITS, withDefaultLimits, type QueryLimits } from '../../../src/limits/queryLimits';
import { createQueryLimitChecker } from '../../../src/limits/queryLimitChecker';
import { createQueryLimitsRule } from '../../../src/limits/queryLimitsRule';
import { maxBracketNesting, scanQueryText } from '../../../src/limits/scanQueryText';

const times = (n: number, make: (i: number) => string, separator = ' ') => Array.from({ length: n }, (_, i) => make(i)).join(separator);
/** Small limits, so each case is a few lines. */
const SMALL: QueryLimits = { maxTokens: 200, maxDepth: 4, maxAliases: 3, maxRootFields: 3, maxDirectives: 2, maxSelections: 40, maxFieldRepeats: 3 };

/** `depth` fields nested in each other: `{ a { a { … a } } }`. */
const nested = (depth: number) => `{ ${'a { '.repeat(depth - 1)}a${' }'.repeat(depth - 1)} }`;

describe('scanQueryText', () => {
  test.each([
    ['the text has exactly maxTokens tokens', `{ ${times(198, () => 'a')} }`, null],
    ['the text has one token more than maxTokens', `{ ${times(199, () => 'a')} }`, { limit: 'maxTokens', maximum: 200 }],
    ['comments make the text long but add no token', `{ a } ${'# comment\n'.repeat(1000)}`, null],
    ['a string of 100 000 characters is one token', `{ a(s: "${'x'.repeat(100_000)}") }`, null],
    ['braces nest exactly as deep as allowed (twice maxDepth plus 2)', `${'{ a '.repeat(10)}${'}'.repeat(10)}`, null],
    ['braces nest one deeper than allowed', `${'{ a '.repeat(11)}${'}'.repeat(11)}`, { limit: 'maxDepth', maximum: 4 }],
    ['lists nest too deep inside an argument', `{ a(x: ${'['.repeat(12)}1${']'.repeat(12)}) }`, { limit: 'maxDepth', maximum: 4 }],
    ['2000 braces nest (the depth that overflows the parser)', `${'{ a '.repeat(2000)}${'}'.repeat(2000)}`, { limit: 'maxDepth', maximum: 4 }],
    ['the text does not lex (an unterminated string): the parser reports it', '{ a(s: "oops) }', null],
  ])('when %s, then the scan answers as listed', (_name, text, expected) => {
    expect(scanQueryText(text, SMALL)).toEqual(expected);
  });

  test('when brackets nest 5000 deep within the token limit, then the scan refuses it before any parse', () => {
    expect(scanQueryText(`${'{ a '.repeat(5000)}${'}'.repeat(5000)}`, DEFAULT_QUERY_LIMITS)).toEqual({ limit: 'maxDepth', maximum: 20 });
    expect(scanQueryText(`{ ${'a '.repeat(6000)}}`, DEFAULT_QUERY_LIMITS)).toEqual({ limit: 'maxTokens', maximum: 5000 });
    expect(scanQueryText(`${'['.repeat(4000)}${']'.repeat(4000)}`, DEFAULT_QUERY_LIMITS)).toEqual({ limit: 'maxDepth', maximum: 20 });
    expect(maxBracketNesting(20)).toBe(42);
  });
});

describe('findQueryLimitViolation', () => {
  const fragmentBomb = (levels: number) =>
    `query { a { ...F${levels - 1} } }\nfragment F0 on T { id name }\n${times(levels - 1, (i) => `fragment F${i + 1} on T { ...F${i} ...F${i} }`, '\n')}`;

  test.each<[string, string, ReturnType<typeof findQueryLimitViolation>]>([
    ['the query is small', '{ a { b } c }', null],
    ['fields nest exactly maxDepth deep', nested(4), null],
    ['fields nest one deeper than maxDepth', nested(5), { limit: 'maxDepth', maximum: 4 }],
    ['a fragment adds the depth where it is spread', '{ a { a { ...F } } } fragment F on T { a { a { b } } }', { limit: 'maxDepth', maximum: 4 }],
    ['inline fragments add no depth', '{ a { ... on T { ... on T { a { a { b } } } } } }', null],
    ['three aliases', '{ x: a y: a z: a }', null],
    ['four aliases', '{ x: a y: a z: a { w: b } }', { limit: 'maxAliases', maximum: 3 }],
    ['aliases in a fragment count where it is spread, twice when spread at two places', '{ p: a { ...F } q: a { ...F } } fragment F on T { x: b }', { limit: 'maxAliases', maximum: 3 }],
    ['four root fields', '{ a b c d }', { limit: 'maxRootFields', maximum: 3 }],
    ['root fields arrive through a root fragment', '{ a ...R } fragment R on Query { b c d }', { limit: 'maxRootFields', maximum: 3 }],
    ['each operation has three root fields', 'query A { a b c } query B { a b c }', null],
    ['two directives on a field', '{ a @x @y }', null],
    ['three directives on a field', '{ a @x @y @z }', { limit: 'maxDirectives', maximum: 2 }],
    ['three directives on a fragment spread', '{ a { ...F @x @y @z } } fragment F on T { b }', { limit: 'maxDirectives', maximum: 2 }],
    ['three directives on an operation', 'query Q @x @y @z { a }', { limit: 'maxDirectives', maximum: 2 }],
    ['three directives on a variable', 'query Q($v: Int @x @y @z) { a }', { limit: 'maxDirectives', maximum: 2 }],
    ['three directives in an unused fragment', '{ a } fragment F on T { b @x @y @z }', { limit: 'maxDirectives', maximum: 2 }],
    ['a field is selected three times at one place', '{ a { id id id } }', null],
    ['a field is selected four times at one place', '{ a { id id id id } }', { limit: 'maxFieldRepeats', maximum: 3 }],
    ['repeats add up through inline fragments and fragments', '{ a { id ... on T { id } ...F } } fragment F on T { id id }', { limit: 'maxFieldRepeats', maximum: 3 }],
    ['repeated parents merge their children at one place', '{ r { x { a { id } } } r { x { a { id } } } r { x { a { id id } } } }', { limit: 'maxFieldRepeats', maximum: 3 }],
    ['two parents each select a child twice: four at the merged place', '{ a { b b } a { b b } }', { limit: 'maxFieldRepeats', maximum: 3 }],
    ['a fragment spread twice at one place counts once', '{ a { ...F ...F ...F ...F } } fragment F on T { id }', null],
    ['a 10-level fragment bomb (each fragment spreads the previous one twice): 23 steps', fragmentBomb(10), null],
    ['a fragment cycle (invalid, refused later by validation)', '{ a { ...F } } fragment F on T { ...G } fragment G on T { ...F b }', null],
    ['a spread of an unknown fragment (invalid, refused later by validation)', '{ a { ...Nope } }', null],
  ])('when %s, then the violation is as listed', (_name, text, expected) => {
    expect(findQueryLimitViolation(parse(text), SMALL)).toEqual(expected);
  });

  test('when fragments double the fields at each level through two distinct places, then the walk stops at maxSelections', () => {
    const doubling = `{ a { ...G6 } } fragment G0 on T { id } ${times(6, (i) => `fragment G${i + 1} on T { a { ...G${i} } b { ...G${i} } }`)}`;
    expect(findQueryLimitViolation(parse(doubling), { ...SMALL, maxDepth: 10 })).toEqual({ limit: 'maxSelections', maximum: 40 });
  });

  test('when the selections pass maxSelections through fields spread over many places, then maxSelections is named', () => {
    const limits = { ...SMALL, maxRootFields: 100, maxDepth: 10 };
    expect(findQueryLimitViolation(parse(`{ ${times(40, (i) => `f${i}`)} }`), limits)).toBeNull();
    expect(findQueryLimitViolation(parse(`{ ${times(41, (i) => `f${i}`)} }`), limits)).toEqual({ limit: 'maxSelections', maximum: 40 });
    expect(findQueryLimitViolation(parse(`{ ${times(20, (i) => `f${i} { id }`)} g }`), limits)).toEqual({ limit: 'maxSelections', maximum: 40 });
  });

  test('when a 60-level fragment bomb is walked with the defaults, then it passes in a few dozen steps', () => {
    expect(findQueryLimitViolation(parse(fragmentBomb(60)), DEFAULT_QUERY_LIMITS)).toBeNull();
  });

  test.each([
    ["graphql-js' introspection query", getIntrospectionQuery()],
    ['the same with every option GraphiQL turns on', getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, directiveIsRepeatable: true, specifiedByUrl: true })],
  ])('when %s is checked with the defaults, then it passes', (_name, text) => {
    expect(parseWithinLimits(text, DEFAULT_QUERY_LIMITS).kind).toBe('parsed');
  });
});

describe('parseWithinLimits and the error', () => {
  test.each([
    ['within every limit', '{ a { b } }', 'parsed'],
    ['past a limit the scan sees', `{ ${times(300, () => 'a')} }`, 'too_complex'],
    ['past a limit only the parsed document shows', nested(5), 'too_complex'],
    ['not GraphQL', '{ a { ', 'syntax'],
  ])('when the text is %s, then the result is %s', (_name, text, kind) => {
    expect(parseWithinLimits(text, SMALL).kind).toBe(kind);
  });

  test('when a limit is passed, then the error says which limit and its value, with QUERY_TOO_COMPLEX and HTTP 400', () => {
    const error = buildQueryTooComplexError({ limit: 'maxDepth', maximum: 20 });
    expect(error.message).toBe('The query is too complex: it nests selections (or values) more than 20 levels deep (maxDepth: 20). Split it into smaller queries.');
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 20, http: { status: 400 } });
  });

  test('when some limits are given, then the others keep their defaults', () => {
    expect(withDefaultLimits({ maxDepth: 7, maxAliases: undefined })).toEqual({ ...DEFAULT_QUERY_LIMITS, maxDepth: 7 });
  });
});

describe('createQueryLimitsRule', () => {
  const schema = buildSchema('type Query { a: T } type T { id: ID, a: T }');

  test.each([
    ['a document within the limits', '{ a { id } }', []],
    ['a document past maxDepth', '{ a { a { a { a { a { id } } } } } }', [{ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 4, http: { status: 400 } }]],
    ['a document past maxFieldRepeats', '{ a { id id id id } }', [{ code: 'QUERY_TOO_COMPLEX', limit: 'maxFieldRepeats', maximum: 3, http: { status: 400 } }]],
  ])('when validate runs the rule on %s, then it reports the listed errors', (_name, text, expected) => {
    expect(validate(schema, parse(text), [createQueryLimitsRule(SMALL)]).map((error) => error.extensions)).toEqual(expected);
  });
});

describe('createQueryLimitChecker', () => {
  test('when a text past a limit is checked twice, then each check gives its own QUERY_TOO_COMPLEX error; a text within gives null; not GraphQL gives null (Apollo reports it)', () => {
    const { checkQuery: check } = createQueryLimitChecker({ limits: SMALL, maxEntries: 2 });
    const first = check(nested(5));
    const second = check(nested(5));
    expect(first?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 4, http: { status: 400 } });
    expect(second?.extensions).toEqual(first?.extensions);
    expect(second).not.toBe(first);
    expect(check('{ a { b } }')).toBeNull();
    expect(check('{ a { ')).toBeNull();
    expect(check(nested(5))?.extensions?.limit).toBe('maxDepth');
  });

  test('when variables nest deeper than a query text may (twice maxDepth plus 2), then maxDepth is named; as JSON text (a GET) too', () => {
    const { checkVariables } = createQueryLimitChecker({ limits: SMALL });
    const deep = `${'['.repeat(11)}${']'.repeat(11)}`;
    expect(checkVariables({ a: JSON.parse(`${'['.repeat(9)}${']'.repeat(9)}`) })).toBeNull();
    expect(checkVariables({ a: JSON.parse(deep) })?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 4, http: { status: 400 } });
    expect(checkVariables(`{"a":${deep}}`)?.extensions?.limit).toBe('maxDepth');
    expect(checkVariables('{"a": not json')).toBeNull();
    expect(checkVariables(undefined)).toBeNull();
  });
});
