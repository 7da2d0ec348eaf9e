import { buildSplitAnswer } from '../../../src/gateway/splitAnswer';

const cost = { cost: { requestedQueryCost: 3, actualQueryCost: 3 } };

describe('buildSplitAnswer', () => {
  test('when both halves answer, then data follows the root order, whichever half each key came from', () => {
    const answer = buildSplitAnswer(['s', 'account', 'i'], { s: { clientId: 'x' }, i: null }, { data: { account: { id: 'A' } }, extensions: cost });
    expect(JSON.stringify(answer)).toBe('{"data":{"s":{"clientId":"x"},"account":{"id":"A"},"i":null},"extensions":{"cost":{"requestedQueryCost":3,"actualQueryCost":3}}}');
  });

  test('when a key was skipped by @skip or @include, then it is in neither half and not in the answer', () => {
    const answer = buildSplitAnswer(['account', 's'], {}, { data: { account: { id: 'A' } } });
    expect(answer).toEqual({ data: { account: { id: 'A' } } });
  });

  test("when Jobber answers partial data with located errors, then its errors come first, as Jobber wrote them", () => {
    const errors = [{ message: 'Client not found', path: ['client'], locations: [{ line: 1, column: 3 }] }];
    const answer = buildSplitAnswer(['client', 's'], { s: 1 }, { data: { client: null }, errors, extensions: cost });
    expect(Object.keys(answer)).toEqual(['errors', 'data', 'extensions']);
    expect(answer.errors).toBe(errors);
    expect(answer.data).toEqual({ client: null, s: 1 });
  });

  test('when Jobber sends an empty errors list or no extensions, then the answer has neither key', () => {
    expect(Object.keys(buildSplitAnswer(['a'], {}, { data: { a: 1 }, errors: [] }))).toEqual(['data']);
  });

  test('when a response key is __proto__, then it is a plain key of data (no prototype is set)', () => {
    const answer = buildSplitAnswer(['__proto__', 's'], { s: 1 }, { data: JSON.parse('{"__proto__":{"id":"A"}}') as Record<string, unknown> });
    expect(JSON.stringify(answer)).toBe('{"data":{"__proto__":{"id":"A"},"s":1}}');
  });
});
