import { execute, getVariableValues, GraphQLError, type ExecutionResult, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { httpHeadersOf, isGatewayError } from '../errors/gatewayError';
import type { TrustedDocumentGate } from '../trusted/trustedDocumentGate';
import { fragmentsOf } from './classifyOperation';
import type { FastPathCache } from './fastPathCache';
import { formatAllLikeApollo, serializeLikeApollo } from './formatLikeApollo';
import type { GatewayServices } from './gatewayServices';
import type { JobberRequest } from './jobberForwardTypes';
import type { Principal, RequestContext } from './requestContext';
import { resolveAccountRef } from './resolveAccountRef';
import { collectRootFields, shapeLikeStitching, type JobberOutcome, type RootResult } from './shapeLikeStitching';
import { buildSplitAnswer } from './splitAnswer';
import type { RequestScope } from '../observability/requestScope';

/** A GraphQL-over-HTTP request the front door could read without Apollo (graphqlFrontDoor.ts). */
export interface FastPathRequest {
  method: 'GET' | 'POST';
  /** The document's text; null when the client sent only its hash. */
  query: string | null;
  /** `extensions.persistedQuery.sha256Hash` (lowercase hex), or null. */
  sha256Hash: string | null;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  /** The Authorization header: present and not blank (anonymous callers go to Apollo). */
  authorization: string;
  accountIdHeader: string | undefined;
  /** The response media type negotiated from Accept, e.g. `application/json; charset=utf-8`. */
  contentType: string;
  /** The client's address as the budgets count it (src/limits/clientAddress.ts). */
  clientAddress: string;
  /** The request's scope (request id, span): handed to every Jobber call, on the masked errors' log lines. */
  scope?: RequestScope | undefined;
}

/**
 * - `answer`: the fast path answered (status, headers, body as Apollo would write them);
 * - `apollo`: nothing happened yet that Apollo would not do again (no Jobber call, no store write): the
 *   request goes to Apollo as it came, carrying nothing.
 */
export type FastPathResult =
  | { kind: 'answer'; outcome: Exclude<FastPathOutcome, 'handed_off'>; status: number; headers: Record<string, string>; body: string }
  | { kind: 'apollo'; reason: string };

/**
 * What the fast path did with one request: `forwarded` (whole to Jobber), `split` (local half here, Jobber
 * half forwarded), `refused` (answered an error itself before any work: credentials, a mutation over
 * GET), `handed_off` (to Apollo).
 */
export type FastPathOutcome = 'forwarded' | 'split' | 'refused' | 'handed_off';

export interface FastPathOptions {
  cache: FastPathCache;
  /** The stitched schema: variables are coerced against it like Apollo would, and it says which root fields are non-null. */
  gatewaySchema: GraphQLSchema;
  /** The local schema with its resolvers: runs the local half of a split operation. */
  localSchema: GraphQLSchema;
  /** Who calls, within the request budgets, before anything is parsed (src/limits/callerGate.ts): a Principal or a GatewayError. */
  admitCaller(request: FastPathRequest): Promise<Principal>;
  /** What the local resolvers use; `forwarder` sends to Jobber. */
  services: GatewayServices;
  /** Where what a masked error hides is written (as the Apollo path's formatError does), a child with the request's id. Default: nowhere. */
  logger?: Logger;
  /** Which text a request runs: a persisted query's hash resolved, an account session held to its partner's trusted documents. */
  documents: TrustedDocumentGate;
  /** Opens a tracing span for a phase (classifying the operation, running its local half); call what it returns at the end. Default none. */
  startPhase?(phase: 'classify' | 'local'): () => void;
}

export interface FastPath {
  handle(request: FastPathRequest): Promise<FastPathResult>;
}

/**
 * The fast path: one decision per query text (fastPathCache), then either an answer or a hand-off to
 * Apollo. Order: credentials first (an unknown key never makes the gateway parse or cache anything),
 * then which text runs (a persisted query's hash resolved, an account session held to its partner's
 * trusted documents: trustedDocumentGate), then the cached decision, the variables, the account; all of
 * these can still hand off. Once Jobber may
 * be called, the fast path answers itself whatever happens, shaping failures the way stitching would
 * (shapeLikeStitching), so an operation is never run twice.
 */
export function createFastPath(options: FastPathOptions): FastPath {
  const { cache, gatewaySchema, localSchema, services, documents } = options;
  const startPhase = options.startPhase ?? (() => () => undefined);
  const { logger } = options;
  // Masked errors are logged with the request's id: with tracing off no request scope follows the awaits.
  const formatFor =
    (scope: RequestScope | undefined): FormatAll =>
    (errors) =>
      formatAllLikeApollo(errors, logger === undefined || scope === undefined || errors.length === 0 ? logger : logger.child({ requestId: scope.id }));
  const queryType = gatewaySchema.getQueryType() as GraphQLObjectType;
  const mutationType = gatewaySchema.getMutationType() ?? queryType;
  const localRootFields = new Set(Object.keys(localSchema.getQueryType()?.getFields() ?? {}));

  return {
    async handle(request) {
      const format = formatFor(request.scope);
      let principal: Principal;
      try {
        principal = await options.admitCaller(request);
      } catch (error) {
        return refuse(request, error, format);
      }
      if (principal.kind !== 'partner' && principal.kind !== 'session') return { kind: 'apollo', reason: `a ${principal.kind} caller` };
      // A partner key's plain text (its backend's requests) needs no admission: nothing to look up.
      let query = request.query;
      if (request.sha256Hash !== null || principal.kind === 'session') {
        let admission;
        try {
          admission = await documents.admit(principal, request.query, request.sha256Hash);
        } catch (error) {
          return refuse(request, error, format);
        }
        if (admission.kind === 'refuse') return answerError(request, admission.error, format);
        query = admission.query;
      }
      if (query === null) return { kind: 'apollo', reason: 'no document' };

      const classified = startPhase('classify');
      const lookup = cache.lookup(query, request.operationName);
      classified();
      if (lookup.kind === 'stitch') return { kind: 'apollo', reason: lookup.reason };
      if (request.method === 'GET' && lookup.kind === 'forward' && lookup.isMutation) return refuseMutationOverGet(request, format);
      const coerced = getVariableValues(gatewaySchema, lookup.operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
      // Apollo answers variables that do not coerce with 400 BAD_USER_INPUT.
      if (coerced.errors) return { kind: 'apollo', reason: 'variables do not coerce' };
      let ref;
      try {
        ref = resolveAccountRef(principal, request.accountIdHeader);
      } catch {
        return { kind: 'apollo', reason: 'no account to forward to' };
      }

      // From here on Jobber may be called: the fast path answers, whatever happens.
      const forward = (jobberRequest: JobberRequest): Promise<JobberOutcome> =>
        services.forwarder.forward(ref, jobberRequest).then(
          (result) => ({ kind: 'answered' as const, json: result.json, text: result.text }),
          (error: unknown) => {
            // A GatewayError is an expected outcome (formatted, and logged there when masked); anything else is a bug.
            if (!isGatewayError(error)) logger?.error({ err: error, requestId: request.scope?.id }, 'unexpected error while forwarding to Jobber');
            return { kind: 'threw' as const, error };
          },
        );
      const rootFields = () => collectRootFields(lookup.kind === 'forward' && lookup.isMutation ? mutationType : queryType, lookup.operation.selectionSet, fragmentsOf(lookup.document), coerced.coerced);

      if (lookup.kind === 'forward') {
        const { variables, operationName } = request;
        const outcome = await forward({ query, variables, operationName, isMutation: lookup.isMutation, document: lookup.document, scope: request.scope });
        const shaped = shapeLikeStitching(rootFields, outcome, lookup.isMutation);
        // Jobber's bytes are the answer when stitching would pass them as they are.
        if (shaped === null && outcome.kind === 'answered') return answer(request, 'forwarded', 200, outcome.text);
        return answerShaped(request, 'forwarded', shaped ?? { data: null, errors: [] }, outcome, format);
      }

      const { split } = lookup;
      const context: RequestContext = { principal, accountIdHeader: request.accountIdHeader, services, jobberExtensions: [] };
      // Both halves at once, as stitching runs them; the local half only reads.
      const [local, outcome] = await Promise.all([
        Promise.resolve().then(() => {
          const executed = startPhase('local');
          const local = execute({ schema: localSchema, document: split.localDocument, variableValues: request.variables, contextValue: context });
          return Promise.resolve(local).finally(executed);
        }),
        forward({ query: split.jobberQuery, variables: pickVariables(request.variables, split.jobberVariableNames), operationName: request.operationName, isMutation: false, document: split.jobberDocument, scope: request.scope }),
      ]);
      const shaped = shapeLikeStitching(() => rootFields().filter((field) => !localRootFields.has(field.name)), outcome, false);
      if (!local.errors && local.data && shaped === null && outcome.kind === 'answered') {
        return answer(request, 'split', 200, JSON.stringify(buildSplitAnswer(split.responseKeys, local.data, outcome.json)));
      }
      return answerShaped(request, 'split', mergeSplit(split.responseKeys, local, shaped ?? { data: outcome.kind === 'answered' ? outcome.json.data ?? {} : {}, errors: [] }), outcome, format);
    },
  };
}

/**
 * A split's two halves as stitching reports them: data in the client's root order; local errors first
 * (local resolvers settle before Jobber answers), then Jobber's; a failed non-null root field nulls the
 * whole data, and only the first such failure (the local one, which settles first) is reported.
 */
function mergeSplit(responseKeys: readonly string[], local: ExecutionResult, jobber: RootResult): RootResult {
  // Stitching runs the local schema as a subschema too: its errors come back relocated, without locations.
  const localErrors = (local.errors ?? []).map((error) => new GraphQLError(error.message, { ...(error.path ? { path: error.path } : {}), originalError: error.originalError ?? undefined, extensions: error.extensions }));
  const localFatal = local.data === null || local.data === undefined ? localErrors.pop() : undefined;
  const errors = [...localErrors, ...jobber.errors];
  const fatal = localFatal ?? jobber.fatal;
  if (fatal || !local.data || !jobber.data) return { data: null, errors, ...(fatal ? { fatal } : {}) };
  const data = Object.create(null) as Record<string, unknown>;
  for (const key of responseKeys) {
    if (Object.hasOwn(jobber.data, key)) data[key] = jobber.data[key];
    else if (Object.hasOwn(local.data, key)) data[key] = local.data[key];
  }
  return { data, errors };
}

function answer(request: FastPathRequest, outcome: 'forwarded' | 'split' | 'refused', status: number, body: string, headers: Record<string, string> = {}): FastPathResult {
  return { kind: 'answer', outcome, status, headers: { 'content-type': request.contentType, ...headers }, body };
}

/** A shaped result written as Apollo writes an execution result (Jobber's extensions pass through, as the stitching plugin does). */
type FormatAll = (errors: readonly GraphQLError[]) => ReturnType<typeof formatAllLikeApollo>;

function answerShaped(request: FastPathRequest, outcome: 'forwarded' | 'split', result: RootResult, jobber: JobberOutcome, format: FormatAll): FastPathResult {
  const all = result.fatal ? [...result.errors, result.fatal] : result.errors;
  const { errors, status } = format(all);
  const extensions = jobber.kind === 'answered' ? jobber.json.extensions : undefined;
  return answer(request, outcome, status ?? 200, serializeLikeApollo({ errors: errors.length > 0 ? errors : undefined, data: result.data, extensions }));
}

/** A credential failure as Apollo answers a failed context: the error alone, its status (401, 403, 429, 503) and headers (Retry-After). */
function refuse(request: FastPathRequest, error: unknown, format: FormatAll): FastPathResult {
  // What the graphql router's context function throws, and what Apollo makes of any other failure.
  const graphqlError = isGatewayError(error)
    ? new GraphQLError(error.message, { extensions: error.extensions, originalError: error })
    : error instanceof GraphQLError
      ? error
      : new GraphQLError(`Context creation failed: ${error instanceof Error ? error.message : String(error)}`, error instanceof Error ? { originalError: error } : {});
  return answerError(request, graphqlError, format, isGatewayError(error) ? httpHeadersOf(error) : {});
}

/** One error as Apollo answers it before executing: its status (default 500) and the headers its `extensions.http` names. */
function answerError(request: FastPathRequest, error: GraphQLError, format: FormatAll, extraHeaders: Record<string, string> = {}): FastPathResult {
  const { errors, status } = format([error]);
  const http = error.extensions.http as { headers?: unknown } | undefined;
  const headers = http?.headers instanceof Map ? Object.fromEntries(http.headers as Map<string, string>) : {};
  return answer(request, 'refused', status ?? 500, serializeLikeApollo({ errors }), { ...headers, ...extraHeaders });
}

/** Apollo's answer to a mutation sent with GET (GraphQL over HTTP: GET is for queries only). */
function refuseMutationOverGet(request: FastPathRequest, format: FormatAll): FastPathResult {
  const error = new GraphQLError('GET requests only support query operations, not mutation operations', { extensions: { code: 'BAD_REQUEST', http: { status: 405 } } });
  const { errors } = format([error]);
  return answer(request, 'refused', 405, serializeLikeApollo({ errors }), { allow: 'POST' });
}

/** The client's variables that the Jobber half declares (null when it declares none). */
function pickVariables(variables: Record<string, unknown> | null, names: ReadonlySet<string>): Record<string, unknown> | null {
  if (variables === null || names.size === 0) return null;
  const picked: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(variables, name)) picked[name] = variables[name];
  return picked;
}
