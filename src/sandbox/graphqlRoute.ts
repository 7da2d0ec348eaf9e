import type { IncomingMessage, ServerResponse } from 'node:http';
import { execute, getOperationAST, type GraphQLError } from 'graphql';
import { estimateQueryCost } from '../jobber/estimateQueryCost';
import { JobberMessage, THROTTLED_CODE } from '../jobber/jobberMessages';
import { verifyAccessToken } from './accessToken';
import { buildVersioningExtension } from './apiVersioning';
import type { DocumentCache } from './documentCache';
import { mediaTypeOf, readBody, sendJson } from './httpIo';
import { chargeBucket } from './leakyBucket';
import type { Sleep } from './oauthRoutes';
import type { SandboxContext, SandboxSchema } from './sandboxSchema';
import { accountDataOf, pairKey, RECENT_HEADERS_CAP, type Grant, type SandboxState } from './sandboxState';

export interface GraphqlRouteDeps {
  state: SandboxState;
  schema: SandboxSchema;
  documents: DocumentCache;
  sleep: Sleep;
  /** Kills the grant and tells the app (APP_DISCONNECT webhook). */
  onDisconnect(grant: Grant): void;
}

/** Generated mock values are dropped after this many executions, so memory stays flat under load. */
const MOCK_RESET_EVERY = 2000;

const errorBody = (message: string, code?: string) => ({ errors: [{ message, ...(code ? { extensions: { code } } : {}) }] });

/** `POST /api/graphql`, checked in Jobber's order: transport, token, version, request count, cost. */
export async function handleGraphql(deps: GraphqlRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state } = deps;
  state.counters.graphqlCalls++;
  rememberHeaders(state, req);
  if (state.settings.graphqlLatencyMs > 0) await deps.sleep(state.settings.graphqlLatencyMs);
  const failure = state.settings.graphqlFailure;
  if (failure.count > 0) {
    failure.count--;
    return sendJson(res, failure.status, errorBody('Injected upstream failure (sandbox)'));
  }
  const read = await readBody(req);
  if (!read.ok) return sendJson(res, read.status, errorBody('Unreadable request body'));
  if (mediaTypeOf(req) !== 'application/json') return sendJson(res, 415, errorBody('Content-Type must be application/json'));

  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!bearer) return sendJson(res, 401, { error: 'invalid_request', message: 'Missing or malformed access token' });
  const now = state.clock.now();
  const check = verifyAccessToken(bearer, state.key, now);
  if (!check.ok && check.reason === 'expired') return sendJson(res, 401, { error: 'invalid_token', message: JobberMessage.INVALID_TOKEN });
  const grant = check.ok ? state.grants.get(check.claims.grant) : undefined;
  const app = grant ? state.apps.get(grant.clientId) : undefined;
  if (!grant || !app) return sendJson(res, 401, { error: 'invalid_request', message: 'Malformed or unknown access token' });
  if (!grant.connected) return sendJson(res, 401, { error: 'invalid_token', message: JobberMessage.DISCONNECTED });
  const byAccount = state.counters.graphqlCallsByAccount;
  byAccount[grant.accountId] = (byAccount[grant.accountId] ?? 0) + 1;

  const version = header(req, 'x-jobber-graphql-version');
  if (!version) return sendJson(res, 400, errorBody('The X-JOBBER-GRAPHQL-VERSION header is required', 'BAD_REQUEST'));
  const retryAfterMs = countRequest(state, pairKey(grant.clientId, grant.accountId), now);
  if (retryAfterMs !== undefined) {
    state.counters.rateLimited++;
    return sendJson(res, 429, errorBody('Too many requests', 'TOO_MANY_REQUESTS'), {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    });
  }

  const request = parseRequest(read.body);
  if (typeof request === 'string') return sendJson(res, 400, errorBody(request));
  const cached = deps.documents.get(request.query);
  if (!cached.ok) return sendJson(res, 200, { errors: cached.errors.map(formatError) });
  // Jobber's HTTP endpoint runs queries and mutations only; the SDL keeps its Subscription type.
  if (getOperationAST(cached.document, request.operationName)?.operation === 'subscription') {
    return sendJson(res, 200, errorBody('Subscriptions are not supported over HTTP'));
  }

  const requestedQueryCost = estimateQueryCost(deps.schema.schema, cached.document, request);
  const bucketKey = pairKey(grant.clientId, grant.accountId);
  const bucketSettings = state.settings.bucket;
  const bucket = state.buckets.get(bucketKey) ?? { available: bucketSettings.maximumAvailable, updatedAtMs: now };
  const decision = chargeBucket(bucket, bucketSettings, requestedQueryCost, now);
  state.buckets.set(bucketKey, decision.next);
  const extensions: Record<string, unknown> = {
    cost: {
      requestedQueryCost,
      actualQueryCost: decision.allowed ? requestedQueryCost : 0,
      throttleStatus: {
        maximumAvailable: bucketSettings.maximumAvailable,
        currentlyAvailable: decision.currentlyAvailable,
        restoreRate: bucketSettings.restoreRate,
      },
    },
  };
  const versioning = buildVersioningExtension(version, state.settings.apiVersion);
  if (versioning) extensions.versioning = versioning;
  if (!decision.allowed) {
    state.counters.throttled++;
    return sendJson(res, 200, { ...errorBody('Throttled', THROTTLED_CODE), extensions });
  }

  const contextValue: SandboxContext = {
    data: accountDataOf(state, grant.accountId),
    app,
    disconnect: () => deps.onDisconnect(grant),
    now: () => state.clock.now(),
  };
  if (state.counters.graphqlCalls % MOCK_RESET_EVERY === 0) deps.schema.resetMocks();
  const result = await execute({
    schema: deps.schema.schema,
    document: cached.document,
    variableValues: request.variables,
    operationName: request.operationName,
    contextValue,
  });
  sendJson(res, 200, {
    ...(result.errors ? { errors: result.errors.map(formatError) } : {}),
    ...('data' in result ? { data: result.data } : {}),
    extensions,
  });
}

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

/** The JSON body as a GraphQL request, or the reason it is not one. */
function parseRequest(body: Buffer): GraphqlRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'The request body is not valid JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'The request body must be a JSON object';
  const { query, variables, operationName } = json as Record<string, unknown>;
  if (typeof query !== 'string' || !query.trim()) return 'The request has no query';
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return 'variables must be an object';
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return 'operationName must be a string';
  }
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: operationName ?? undefined,
  };
}

/** Counts one request in the (app, account) window; returns how long to wait when over the limit. */
function countRequest(state: SandboxState, key: string, now: number): number | undefined {
  const { max, windowMs } = state.settings.requestLimit;
  let window = state.requestWindows.get(key);
  if (!window) state.requestWindows.set(key, (window = []));
  while (window.length && (window[0] as number) <= now - windowMs) window.shift();
  if (window.length >= max) return (window[0] as number) + windowMs - now;
  window.push(now);
  return undefined;
}

function rememberHeaders(state: SandboxState, req: IncomingMessage): void {
  const seen: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) seen[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  state.recentHeaders.push(seen);
  if (state.recentHeaders.length > RECENT_HEADERS_CAP) state.recentHeaders.shift();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

function formatError(error: GraphQLError): unknown {
  return typeof error.toJSON === 'function' ? error.toJSON() : { message: String(error.message) };
}
