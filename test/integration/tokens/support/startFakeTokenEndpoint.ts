import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP token endpoint with Jobber's rotation rules, for tests that need exact control. */
export interface FakeTokenEndpoint {
  baseUrl: string;
  /** Issues a pair directly (as an install would) and returns it. */
  issue(): { accessToken: string; refreshToken: string };
  counters: { refreshes: number; reuses: number; invalid: number; failures: number; exchanges: number };
  /** Every form body received, for assertions on what was sent. */
  requests: Record<string, string>[];
  set(behaviour: Partial<FakeBehaviour>): void;
  /** Kills a refresh token as a disconnect would. */
  revoke(refreshToken: string): void;
  close(): Promise<void>;
}

interface FakeBehaviour {
  lifetimeMs: number;
  latencyMs: number;
  /** The next N token calls answer this status (then normal again). */
  failNext: number;
  failStatus: number;
  retryAfterSeconds?: number;
  /** false = responses carry no refresh_token (rotation switched off); 'echo' = they carry the same one. */
  rotate: boolean | 'echo';
}

export function buildJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.${randomBytes(8).toString('base64url')}`;
}

export async function startFakeTokenEndpoint(initial: Partial<FakeBehaviour> = {}): Promise<FakeTokenEndpoint> {
  const behaviour: FakeBehaviour = { lifetimeMs: 60 * 60 * 1000, latencyMs: 0, failNext: 0, failStatus: 500, rotate: true, ...initial };
  const live = new Set<string>();
  const dead = new Set<string>();
  const counters = { refreshes: 0, reuses: 0, invalid: 0, failures: 0, exchanges: 0 };
  const requests: Record<string, string>[] = [];

  const issue = (): { accessToken: string; refreshToken: string } => {
    const refreshToken = `rt_${randomBytes(12).toString('hex')}`;
    live.add(refreshToken);
    const exp = (Date.now() + behaviour.lifetimeMs) / 1000;
    return { accessToken: buildJwt({ exp, jti: randomBytes(6).toString('hex') }), refreshToken };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const form = Object.fromEntries(new URLSearchParams(body));
    requests.push(form);
    if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (behaviour.failNext > 0) {
      behaviour.failNext -= 1;
      counters.failures += 1;
      const retry: Record<string, string> = behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) };
      return send(behaviour.failStatus, { error: 'server_error' }, retry);
    }
    if (form.grant_type === 'authorization_code') {
      counters.exchanges += 1;
      if (form.code !== 'good-code') return send(401, { error: 'invalid_grant' });
      return void send(200, toResponse(issue()));
    }
    const token = form.refresh_token ?? '';
    if (!live.has(token)) {
      if (dead.has(token)) counters.reuses += 1;
      counters.invalid += 1;
      return send(401, { error: 'Error: The provided refresh token is not valid.' });
    }
    counters.refreshes += 1;
    if (behaviour.rotate !== true) {
      const { accessToken, refreshToken: unused } = issue();
      live.delete(unused);
      return send(200, behaviour.rotate === 'echo' ? { access_token: accessToken, refresh_token: token } : { access_token: accessToken });
    }
    live.delete(token);
    dead.add(token);
    send(200, toResponse(issue()));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    issue,
    counters,
    requests,
    set: (changes) => Object.assign(behaviour, changes),
    revoke: (refreshToken) => {
      live.delete(refreshToken);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function toResponse(pair: { accessToken: string; refreshToken: string }): Record<string, string> {
  return { access_token: pair.accessToken, refresh_token: pair.refreshToken };
}
