import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { execute, getVariableValues, type GraphQLSchema } from 'graphql';
import { resolvePrincipal, type PrincipalSources } from '../auth/resolvePrincipal';
import type { FastPathCache } from './fastPathCache';
import type { GatewayServices } from './gatewayServices';
import type { ForwardResult, JobberRequest } from './jobberForwarder';
import type { Principal, RequestContext } from './requestContext';
import { resolveAccountRef } from './resolveAccountRef';
import { buildSplitAnswer } from './splitAnswer';

/**
 * What the fast path learned before it handed a request to Apollo, so the stitching path neither
 * authenticates twice nor sends an operation to Jobber twice:
 * - `auth_failed`: resolvePrincipal threw; the context function throws the same error;
 * - `principal`: the caller is known but the fast path does not answer (admin, bad X-Account-Id, ...);
 * - `forward_failed`: the operation went to Jobber and failed with `error`; Apollo formats that same
 *   error (the stitching executor's forwarder rejects with it instead of calling Jobber again);
 * - `forward_answered`: Jobber answered with errors that stitching would re-shape (no data, or an error
 *   without a path: stitching puts it on every root field); the executor's forwarder returns `result`.
 */
export type FastPathHandoff =
  | { kind: 'auth_failed'; error: unknown }
  | { kind: 'principal'; principal: Principal }
  | { kind: 'forward_failed'; principal: Principal; error: unknown }
  | { kind: 'forward_answered'; principal: Principal; result: ForwardResult };

export type FastPathOutcome = 'forwarded' | 'split' | 'handed_off' | 'not_eligible';

export interface FastPathHandlerOptions {
  cache: FastPathCache;
  /** The stitched schema: variables are coerced against it like Apollo would (errors: Apollo answers). */
  gatewaySchema: GraphQLSchema;
  /** The local schema with its resolvers: runs the local half of a split operation. */
  localSchema: GraphQLSchema;
  principals: PrincipalSources;
  /** What the local resolvers use; `forwarder` sends to Jobber. */
  services: GatewayServices;
  /** Called once per POST /graphql with what the fast path did (metrics). */
  onOutcome?(outcome: FastPathOutcome): void;
  /** Opens a span for a phase (classifying the operation, running its local half); call what it returns at the end. */
  startPhase?(phase: 'classify' | 'local'): () => void;
}

const HANDOFF = 'jobberFastPathHandoff';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const BODY_KEYS = new Set(['query', 'variables', 'operationName', 'extensions']);

/** The handoff the fast path left for Apollo's context function on this response, if any. */
export function readFastPathHandoff(res: Response): FastPathHandoff | undefined {
  return res.locals[HANDOFF] as FastPathHandoff | undefined;
}

/**
 * Runs in the front door (graphqlFrontDoor.ts) after the body is read, before express and Apollo; it
 * uses only Node's own request and response members, `req.body` and `res.locals`. An operation whose root fields are all
 * Jobber's (see planFastPath) goes to Jobber as the client wrote it, with the client's variables, and
 * Jobber's response bytes are the answer (status 200, the content type Apollo would use). A query mixing
 * Jobber and local root fields is split (see splitOperation): the local half is executed here, the Jobber
 * half forwarded, and the answers merged (buildSplitAnswer). Everything else, and every failure, goes on
 * to Apollo with a handoff, so errors keep Apollo's exact shapes.
 * Invariant: Apollo is reached only before forwarding, or after a forward that threw (never both
 * answers, never two sends).
 */
export function createFastPathHandler(options: FastPathHandlerOptions): RequestHandler {
  const { cache, gatewaySchema, localSchema, principals, services } = options;
  const outcome = options.onOutcome ?? (() => undefined);
  const startPhase = options.startPhase ?? (() => () => undefined);

  function handOff(res: Response, next: NextFunction, handoff: FastPathHandoff): void {
    res.locals[HANDOFF] = handoff;
    outcome('handed_off');
    next();
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const body = req.body as unknown;
    if (req.method !== 'POST' || !isPlainObject(body) || !isSimpleRequest(body) || !acceptsPlainJson(req.headers.accept)) {
      outcome('not_eligible');
      return next();
    }
    const authorization = req.headers.authorization;
    // Anonymous callers may only introspect: Apollo's plugin answers them.
    if (authorization === undefined || authorization.trim() === '') {
      outcome('not_eligible');
      return next();
    }
    const query = body.query as string;
    const operationName = (body.operationName ?? null) as string | null;
    const variables = (body.variables ?? null) as Record<string, unknown> | null;
    const classified = startPhase('classify');
    const lookup = cache.lookup(query, operationName);
    classified();
    if (lookup.kind === 'stitch') {
      outcome('not_eligible');
      return next();
    }
    const definitions = lookup.plan.operation.variableDefinitions ?? [];
    // Apollo answers variables that do not coerce with 400 BAD_USER_INPUT; it does so itself here.
    if ((definitions.length > 0 || variables !== null) && 'errors' in getVariableValues(gatewaySchema, definitions, variables ?? {}, { maxErrors: 1 })) {
      outcome('not_eligible');
      return next();
    }

    const accountIdHeader = firstHeader(req.headers['x-account-id']);
    let principal: Principal;
    try {
      principal = await resolvePrincipal(authorization, accountIdHeader, principals);
    } catch (error) {
      return handOff(res, next, { kind: 'auth_failed', error });
    }
    if (principal.kind !== 'partner' && principal.kind !== 'session') return handOff(res, next, { kind: 'principal', principal });
    let ref;
    try {
      ref = resolveAccountRef(principal, accountIdHeader);
    } catch {
      return handOff(res, next, { kind: 'principal', principal });
    }

    let request: JobberRequest;
    let merge: { responseKeys: readonly string[]; localData: Record<string, unknown> } | undefined;
    if (lookup.kind === 'forward') {
      request = { query, variables, operationName, isMutation: lookup.plan.isMutation, document: lookup.document };
    } else {
      const { split } = lookup;
      // The local half runs first: when it fails, Apollo answers the whole operation and Jobber is not
      // called here (only a read was done, and Apollo's own run makes the one call to Jobber).
      const context: RequestContext = { principal, accountIdHeader, services, jobberExtensions: [] };
      const executed = startPhase('local');
      const local = await execute({ schema: localSchema, document: split.localDocument, variableValues: variables, contextValue: context });
      executed();
      if (local.errors || !local.data) return handOff(res, next, { kind: 'principal', principal });
      merge = { responseKeys: split.responseKeys, localData: local.data };
      request = { query: split.jobberQuery, variables: pickVariables(variables, split.jobberVariableNames), operationName, isMutation: false, document: split.jobberDocument };
    }

    let result: ForwardResult;
    try {
      result = await services.forwarder.forward(ref, request);
    } catch (error) {
      return handOff(res, next, { kind: 'forward_failed', principal, error });
    }
    if (isReshapedByStitching(result)) return handOff(res, next, { kind: 'forward_answered', principal, result });
    res.statusCode = 200;
    res.setHeader('content-type', JSON_CONTENT_TYPE);
    if (merge === undefined) {
      outcome('forwarded');
      res.end(result.text);
    } else {
      outcome('split');
      res.end(JSON.stringify(buildSplitAnswer(merge.responseKeys, merge.localData, result.json)));
    }
  };
}

/** The client's variables that the Jobber half declares (null when it declares none). */
function pickVariables(variables: Record<string, unknown> | null, names: ReadonlySet<string>): Record<string, unknown> | null {
  if (variables === null || names.size === 0) return null;
  const picked: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(variables, name)) picked[name] = variables[name];
  return picked;
}

/**
 * Errors stitching does not pass as they are: with no data (or null data) it answers `data` with each
 * root field null and every error placed on each root field; an error without a path likewise.
 */
function isReshapedByStitching(result: ForwardResult): boolean {
  const { errors, data } = result.json;
  if (!errors || errors.length === 0) return false;
  return data === undefined || data === null || errors.some((error) => !(error as { path?: unknown }).path);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A GraphQL-over-HTTP body with nothing Apollo would treat specially (persisted queries, odd types). */
function isSimpleRequest(body: Record<string, unknown>): boolean {
  for (const key in body) if (!BODY_KEYS.has(key)) return false;
  const { query, variables, operationName, extensions } = body;
  if (typeof query !== 'string') return false;
  if (variables !== undefined && variables !== null && !isPlainObject(variables)) return false;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return false;
  if (extensions !== undefined && !(isPlainObject(extensions) && Object.keys(extensions).length === 0)) return false;
  return true;
}

/** Accept headers for which Apollo answers `application/json; charset=utf-8` (others: Apollo negotiates). */
function acceptsPlainJson(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  const value = accept.trim().toLowerCase();
  return value === '' || value === '*/*' || value === 'application/json' || value === 'application/json, */*';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
