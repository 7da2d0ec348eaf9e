import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../core/deps';
import { LATEST_JOBBER_API_VERSION } from '../jobber/jobberMessages';
import { CONTROL_PREFIX, handleControl } from './controlRoutes';
import { createDocumentCache } from './documentCache';
import { handleGraphql, type GraphqlRouteDeps } from './graphqlRoute';
import { sendJson } from './httpIo';
import { handleAuthorize, handleConsent, handleToken } from './oauthRoutes';
import { createSandboxControl, disconnectAndNotify, type SandboxAppInput, type SandboxControl } from './sandboxControl';
import { buildSandboxSchema } from './sandboxSchema';
import { createSandboxState } from './sandboxState';

export type { SandboxAppInput, SandboxControl } from './sandboxControl';

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; default 0 (a random free port). */
  port?: number;
  /** Access token lifetime in seconds; default 3600 (Jobber's 60 minutes). */
  tokenLifetimeSeconds?: number;
  /** Strict refresh-token rotation; default true (Jobber's default). */
  rotation?: boolean;
  /** Query-cost leaky bucket per (app, account); default 10000 points, restoring 500 per second. */
  bucket?: { maximumAvailable?: number; restoreRate?: number };
  /** Request count limit per (app, account); default 2500 per 300000 ms (5 minutes). */
  requestLimit?: { max: number; windowMs: number };
  /** Apps registered at start. */
  apps?: SandboxAppInput[];
  /** Time source for token expiry, codes and buckets; default the system clock. */
  clock?: Clock;
  /** The Jobber SDL to serve; default the repository's `schema/jobber.graphql`. */
  schemaPath?: string;
  /** The fetch used to deliver webhooks; default the global fetch. */
  fetch?: typeof fetch;
  /**
   * The API version served as current: a request naming an older version is answered with Jobber's
   * upgrade warning in `extensions.versioning`. Default LATEST_JOBBER_API_VERSION (Jobber's newest known).
   * The demo passes the version its gateway sends, the one the served schema was taken at.
   */
  apiVersion?: string;
}

export interface Sandbox {
  /** Origin of the sandbox, e.g. `http://127.0.0.1:40123` (Jobber's `base`). */
  url: string;
  control: SandboxControl;
  /** How long building the executable schema took at start (ms). */
  schemaLoadMs: number;
  /** Stops listening, drops open connections (hung requests included) and waits for webhooks in flight. */
  close(): Promise<void>;
}

/** Starts a Jobber emulator: OAuth, GraphQL, webhooks and the `/__sandbox/` control API. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const started = performance.now();
  const schema = buildSandboxSchema(await readFile(options.schemaPath ?? defaultSchemaPath(), 'utf8'));
  const schemaLoadMs = Math.round(performance.now() - started);

  const state = createSandboxState(
    {
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      rotation: options.rotation ?? true,
      bucket: { maximumAvailable: options.bucket?.maximumAvailable ?? 10_000, restoreRate: options.bucket?.restoreRate ?? 500 },
      requestLimit: options.requestLimit ?? { max: 2500, windowMs: 300_000 },
      tokenFailure: { mode: 'none' },
      tokenLatencyMs: 0,
      graphqlFailure: { status: 500, count: 0 },
      graphqlLatencyMs: 0,
      apiVersion: options.apiVersion ?? LATEST_JOBBER_API_VERSION,
    },
    options.clock ?? systemClock,
  );

  // Timers and background deliveries are tracked so close() leaves no open handles behind.
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(() => (timers.delete(timer), done()), ms);
      timers.add(timer);
    });
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  const controlDeps = { state, fetch: options.fetch ?? fetch, track };
  const control = createSandboxControl(controlDeps);
  for (const app of options.apps ?? []) control.registerApp(app);
  const graphqlDeps: GraphqlRouteDeps = {
    state,
    schema,
    documents: createDocumentCache(schema.schema),
    sleep,
    onDisconnect: (grant) => void disconnectAndNotify(controlDeps, grant),
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/api/graphql') {
      return method === 'POST' ? handleGraphql(graphqlDeps, req, res) : sendJson(res, 405, { errors: [{ message: 'Use POST' }] }, { allow: 'POST' });
    }
    if (path === '/api/oauth/token' && method === 'POST') return handleToken(state, sleep, req, res);
    if (path === '/api/oauth/authorize' && method === 'GET') return handleAuthorize(state, url, res);
    if (path === '/api/oauth/authorize/consent' && method === 'POST') return handleConsent(state, req, res);
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(control, path, req, res);
    if (path === '/') return sendJson(res, 200, { name: 'Jobber sandbox', graphql: '/api/graphql', control: CONTROL_PREFIX });
    sendJson(res, 404, { error: 'not_found', message: `No route ${method} ${path}` });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // Bad input must never become a 500 or a crash; whatever slipped through is the caller's request.
      sendJson(res, 400, { errors: [{ message: `Bad request: ${error instanceof Error ? error.message : 'unknown'}` }] });
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => (server.off('error', fail), done()));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    control,
    schemaLoadMs,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** `schema/jobber.graphql` from the source tree or from a build output one level deeper. */
function defaultSchemaPath(): string {
  const candidates = [resolve(__dirname, '../../schema/jobber.graphql'), resolve(__dirname, '../../../schema/jobber.graphql')];
  return candidates.find((path) => existsSync(path)) ?? (candidates[0] as string);
}
