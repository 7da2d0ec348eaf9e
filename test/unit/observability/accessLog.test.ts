import { buildAccessLogEntry, graphqlPathOf, loggedPathOf, routeOf } from '../../../src/observability/accessLog';
import { resolveRequestId } from '../../../src/observability/requestId';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  test.each([['abc'], ['req-42.retry:1_x'], ['A'.repeat(128)], ['0123456789']])('when the client sends %s, then it is kept', (id) => {
    expect(resolveRequestId(id)).toBe(id);
  });

  test.each([
    ['an empty header', ''],
    ['129 characters', 'A'.repeat(129)],
    ['a space', 'two words'],
    ['a newline (log forging)', 'id\n{"level":50}'],
    ['a quote', 'id"x'],
    ['non-ASCII', 'idé'],
    ['a repeated header, joined by Node', 'a, b'],
    ['an array', ['a', 'b']],
    ['no header', undefined],
  ])('when the client sends %s, then a new UUID replaces it', (_label, header) => {
    const id = resolveRequestId(header as string | string[] | undefined);
    expect(id).toMatch(UUID);
    expect(id).not.toBe(header);
  });

  test('when two requests come without an id, then they get different ones', () => {
    expect(resolveRequestId(undefined)).not.toBe(resolveRequestId(undefined));
  });
});

describe('route labels', () => {
  test.each([
    ['/graphql', '/graphql'],
    ['/graphql?query={a}', '/graphql'],
    ['/GraphQL/', '/graphql'],
    ['/connector/callback?code=secret&state=s', '/connector/callback'],
    ['/webhooks/jobber', '/webhooks/jobber'],
    ['/healthz', '/healthz'],
    ['/readyz', '/readyz'],
    ['/metrics', '/metrics'],
    ['/', 'other'],
    ['/graphql/extra', 'other'],
    ['/' + 'x'.repeat(5000), 'other'],
    [undefined, 'other'],
  ])('when the URL is %s, then the route label is %s', (url, route) => {
    expect(routeOf(url)).toBe(route);
  });
});

describe('access log entries', () => {
  test('when the URL has a query string, then the logged path leaves it out (the callback carries the code)', () => {
    expect(loggedPathOf('/connector/callback?code=abc&state=def')).toBe('/connector/callback');
  });

  test('when the path is very long, then it is cut to 200 characters', () => {
    expect(loggedPathOf('/' + 'a'.repeat(1000))).toHaveLength(201);
  });

  test.each([
    ['forwarded', 'fast'],
    ['split', 'split'],
    ['handed_off', 'stitched'],
    ['refused', 'refused'],
    [undefined, 'stitched'],
  ])('when the fast path reported %s, then the request path label is %s', (outcome, path) => {
    expect(graphqlPathOf(outcome)).toBe(path);
  });

  test('when a request is logged, then the entry has exactly its fields (duration in ms, two decimals)', () => {
    const entry = buildAccessLogEntry({
      requestId: 'r1',
      method: 'POST',
      url: '/graphql?x=1',
      status: 200,
      seconds: 0.0123456,
      fastPath: 'forwarded',
      partnerId: 'p1',
    });
    expect(entry).toEqual({ requestId: 'r1', method: 'POST', path: '/graphql', status: 200, durationMs: 12.35, fastPath: 'forwarded', partnerId: 'p1' });
  });

  test('when the client left and no partner is known, then status is aborted and partnerId is absent', () => {
    const entry = buildAccessLogEntry({ requestId: 'r2', method: 'GET', url: '/healthz', status: 'aborted', seconds: 0.001, fastPath: undefined, partnerId: undefined });
    expect(entry).toEqual({ requestId: 'r2', method: 'GET', path: '/healthz', status: 'aborted', durationMs: 1 });
  });
});
