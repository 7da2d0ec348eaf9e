import { classifyCallbackQuery } from '../../../src/connector/classifyCallbackQuery';

describe('classifyCallbackQuery', () => {
  test.each([
    [{ code: 'c1', state: 's1' }, { kind: 'approved', code: 'c1', state: 's1' }],
    [{}, { kind: 'denied' }],
    [{ error: 'access_denied' }, { kind: 'denied' }],
    [{ error: 'access_denied', state: 's1' }, { kind: 'denied' }],
    [{ error: 'access_denied', code: 'c1', state: 's1' }, { kind: 'approved', code: 'c1', state: 's1' }],
    [{ code: 'c1' }, { kind: 'marketplace' }],
    [{ state: 's1' }, { kind: 'malformed' }],
    [{ code: ['a', 'b'], state: 's1' }, { kind: 'malformed' }],
    [{ code: 'c1', state: { nested: 'x' } }, { kind: 'malformed' }],
    [{ code: '', state: 's1' }, { kind: 'malformed' }],
    [{ code: 'c1', state: 'x'.repeat(3000) }, { kind: 'malformed' }],
    [{ foo: 'bar' }, { kind: 'malformed' }],
  ])('when the query is %j, then it is %j', (query, expected) => {
    expect(classifyCallbackQuery(query as Record<string, unknown>)).toEqual(expected);
  });
});
