import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFastPathBodyReader } from '../../../src/gateway/fastPathBody';
import { createGraphqlFrontDoor } from '../../../src/http/graphqlFrontDoor';

describe('createGraphqlFrontDoor on a real HTTP server', () => {
  let server: Server;
  let url: string;
  const errors: unknown[] = [];

  beforeAll(async () => {
    const door = createGraphqlFrontDoor({
      readBody: createFastPathBodyReader({ limitBytes: 1024 }),
      // A fast path with a bug: it rejects for one query and hands the rest over.
      fastPath: async (req, _res, next) => {
        if ((req.body as { query?: string }).query === 'bug') throw new Error('a bug with a secret jgp_123 in it');
        next();
      },
      fallback: (_req, res) => res.end('express'),
      onAnswered: () => undefined,
      onError: (error) => errors.push(error),
    });
    server = createServer(door);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (body: string) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('when the fast path rejects (a bug), then the client gets a masked 500, the error is reported, and the server lives on', async () => {
    const answer = await post('{"query":"bug"}');
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(errors).toHaveLength(1);
    const next = await post('{"query":"{ a }"}');
    expect(await next.text()).toBe('express');
  });

  test('when the request is not a plain JSON POST to /graphql, then express answers it', async () => {
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('express');
    expect(await (await fetch(`${url}/graphql?x=1`, { method: 'POST', body: '{}' })).text()).toBe('express');
  });
});
