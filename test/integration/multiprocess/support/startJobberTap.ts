import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TapCounts {
  graphqlCalls: number;
  /** 401s from Jobber's GraphQL API for an access token whose `exp` had passed before Jobber answered. */
  expiredTokenRefusals: number;
  /** 401s for any other reason (a token still valid, a disconnect, a malformed token). */
  otherRefusals: number;
  /** The longest an expired token had been expired when it reached the tap (ms; 0 when none). */
  maxExpiredLagMs: number;
}

/** A pass-through proxy in front of the sandbox that classifies GraphQL 401s (tokens are never kept). */
export interface JobberTap {
  url: string;
  counts(): TapCounts;
  reset(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

function expiryOf(authorization: string | undefined): number | null {
  const payload = authorization?.replace(/^Bearer\s+/i, '').split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => done(Buffer.concat(chunks)));
    req.once('error', fail);
  });
}

/**
 * Why: under heavy CPU load a request can take longer between the gateway picking a (valid) 3 s token and
 * Jobber checking it than the token has left. The tap tells those refusals apart from refusals of tokens
 * that were still valid, which no amount of load excuses. A caller that goes away aborts the upstream call,
 * so a killed gateway looks to the sandbox exactly as it would without the tap.
 */
export async function startJobberTap(targetUrl: string): Promise<JobberTap> {
  const zero = (): TapCounts => ({ graphqlCalls: 0, expiredTokenRefusals: 0, otherRefusals: 0, maxExpiredLagMs: 0 });
  let counts = zero();
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const arrivedAt = Date.now();
    void (async () => {
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(await readAll(req));
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && !HOP_BY_HOP.has(e[0])),
      );
      const upstream = await fetch(`${targetUrl}${req.url ?? '/'}`, { method: req.method, headers, body, redirect: 'manual', signal: abort.signal });
      const answer = Buffer.from(await upstream.arrayBuffer());
      if (req.url?.startsWith('/api/graphql')) {
        counts.graphqlCalls++;
        if (upstream.status === 401) {
          const exp = expiryOf(req.headers.authorization);
          if (exp !== null && exp <= Date.now()) {
            counts.expiredTokenRefusals++;
            counts.maxExpiredLagMs = Math.max(counts.maxExpiredLagMs, arrivedAt - exp);
          } else counts.otherRefusals++;
        }
      }
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, key) => {
        if (!HOP_BY_HOP.has(key)) out[key] = value;
      });
      res.writeHead(upstream.status, out).end(answer);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = zero();
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
