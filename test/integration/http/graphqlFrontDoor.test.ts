import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastPathOutcome, FastPathRequest } from '../../../src/gateway/fastPath';
import { createGraphqlFrontDoor } from '../../../src/http/graphqlFrontDoor';

describe('createGraphqlFrontDoor on a real HTTP server', () => {
  let server: Server;
  let url: string;
  const errors: unknown[] = [];
  const outcomes: FastPathOutcome[] = [];
  const seen: FastPathRequest[] = [];

  beforeAll(async () => {
    const door = createGraphqlFrontDoor({
      // A fast path with a bug: it rejects for one query, answers another, and hands the rest over.
      fastPath: {
        handle: async (request) => {
          seen.push(request);
          if (request.query === 'bug') throw new Error('a bug with a secret jgp_123 in it');
          if (request.query === 'answer') return { kind: 'answer', outcome: 'forwarded', status: 200, headers: { 'content-type': request.contentType }, body: '{"data":{}}' };
          return { kind: 'apollo', reason: 'test' };
        },
      },
      fallback: (_req, res) => res.end('express'),
      bodyLimitBytes: 1024,
      onOutcome: (_req, outcome) => outcomes.push(outcome),
      onError: (error) => errors.push(error),
    });
    server = createServer(door);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    outcomes.length = 0;
  });

  const auth = { authorization: 'Bearer jgp_x' };
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body });

  test('when the fast path rejects (a bug), then the client gets a masked 500, the error is reported, and the server lives on', async () => {
    const answer = await post('{"query":"bug"}');
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(errors).toHaveLength(1);
    const next = await post('{"query":"{ a }"}');
    expect(await next.text()).toBe('express');
  });

  test('when the request is not a GraphQL request the fast path can read, then express answers it without the fast path', async () => {
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('express');
    expect(await (await fetch(`${url}/graphql?x=1`, { method: 'POST', body: '{}', headers: auth })).text()).toBe('express');
    expect(await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html', ...auth } })).text()).toBe('express');
    expect(await (await fetch(`${url}/graphql?query=answer`, { headers: { accept: 'text/html', ...auth } })).text()).toBe('express');
    expect(await (await post('{"query":"answer"}', { authorization: 'Bearer ' })).text()).toBe('express');
    expect(await (await post('{"query":"answer"}', { accept: 'multipart/mixed' })).text()).toBe('express');
    expect(await (await post('{"query":"answer","extensions":{"persistedQuery":{"version":1}}}')).text()).toBe('express');
    expect(await (await post('{"query":"answer","variables":"{}"}')).text()).toBe('express');
    expect(seen).toEqual([]);
  });

  test.each([
    ['no Accept', undefined, 'application/json; charset=utf-8'],
    ['Apollo Client', 'application/graphql-response+json,application/json;q=0.9', 'application/graphql-response+json; charset=utf-8'],
    ['GraphiQL', 'application/json, multipart/mixed', 'application/json; charset=utf-8'],
    ['*/*', '*/*', 'application/json; charset=utf-8'],
  ])('when a POST comes with %s, then the fast path answers with the negotiated media type', async (_label, accept, contentType) => {
    const answer = await post('{"query":"answer","extensions":{"clientLibrary":{"name":"x"}}}', accept ? { accept } : {});
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(contentType);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(outcomes).toEqual(['forwarded']);
  });

  test('when a GET carries the query in the URL, then the fast path gets query, variables and operation name', async () => {
    const search = new URLSearchParams({ query: 'answer', variables: '{"n":1}', operationName: 'Op' });
    const answer = await fetch(`${url}/graphql?${search}`, { headers: { accept: 'application/graphql-response+json, application/json', ...auth, 'x-account-id': 'north' } });
    expect(answer.status).toBe(200);
    expect(seen).toEqual([
      {
        method: 'GET',
        query: 'answer',
        sha256Hash: null,
        variables: { n: 1 },
        operationName: 'Op',
        authorization: 'Bearer jgp_x',
        accountIdHeader: 'north',
        contentType: 'application/graphql-response+json; charset=utf-8',
        // The socket's peer: no proxy is trusted by default.
        clientAddress: '127.0.0.1',
      },
    ]);
  });

  test('when a persisted query names its document by hash alone (POST or GET), then the fast path gets the hash and no text', async () => {
    const hash = 'ab'.repeat(32);
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } });
    expect((await post(`{"operationName":"Op","extensions":${extensions}}`)).status).toBe(200);
    const search = new URLSearchParams({ operationName: 'Op', extensions });
    expect((await fetch(`${url}/graphql?${search}`, { headers: auth })).status).toBe(200);
    expect(seen.map((request) => [request.method, request.query, request.sha256Hash, request.operationName])).toEqual([
      ['POST', null, hash, 'Op'],
      ['GET', null, hash, 'Op'],
    ]);
  });
});
