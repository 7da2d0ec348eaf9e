import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../errors/gatewayError';
import type { FastPath, FastPathOutcome } from '../gateway/fastPath';
import { GRAPHQL_CORS_HEADERS } from './graphqlCors';
import { paramsFromBody, paramsFromSearch, type ParamsOutcome } from './graphqlRequestParams';
import { createResponseTypeNegotiator } from './responseTypeNegotiator';
import { readJsonBody } from './readJsonBody';
import { buildQueryTooComplexBody, maxBodyNesting, maxVariablesNesting } from '../limits/queryLimits';
import { exceedsNesting } from '../limits/valueNesting';
import { requestScopeOf } from '../observability/requestScope';

export interface GraphqlFrontDoorOptions {
  fastPath: FastPath;
  /** The express app: everything the front door does not answer goes there, untouched or with its body read. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  /** Largest request body read here, in bytes (larger declared ones are left to express.json, which answers 413). */
  bodyLimitBytes: number;
  /**
   * Called once per GraphQL request (a POST, or a GET with a query) with what the fast path did: the HTTP
   * status when the front door answered itself (express counts its own), the reason when it handed the
   * request to Apollo. The seam for metrics, request ids and tracing.
   */
  onOutcome(req: IncomingMessage, outcome: FastPathOutcome, status?: number, reason?: string): void;
  /** A bug in the fast path (it rejected): logged here; the client gets a masked 500. */
  onError(error: unknown): void;
  /** The client's address as the budgets count it (clientAddressOf with the configured proxy hops). Default the socket's peer. */
  clientAddressOf?(req: IncomingMessage): string;
  /**
   * A request the fast path admitted (callerGate) and then handed to Apollo: its admission moves to the
   * IncomingMessage, so Apollo's context reuses it and the partner's budget is charged once. Default none.
   */
  carryAdmission?(from: object, to: IncomingMessage): void;
  /**
   * The query limits' maxDepth (default 20). A JSON body nested deeper than maxBodyNesting of it is answered
   * 400 QUERY_TOO_COMPLEX before it is parsed, as the graphql router answers one it reads; a GET's
   * variables nested deeper than a query may nest go to Apollo, whose context refuses them the same way.
   * (The fast path sends a client's variables to Jobber as they came: JSON.stringify overflows the stack
   * at a few thousand levels, and V8's JSON.parse spends ~150 ms on 200 000.)
   */
  maxDepth?: number;
  /**
   * Headers every answer the front door writes itself carries (the request id), given to its one
   * writeHead: a header set before with setHeader would put Node on its slower path for every header.
   * Default none.
   */
  answerHeadersOf?(req: IncomingMessage): Record<string, string> | undefined;
}

/** `/graphql` as express's router matches it: any case, an optional trailing slash, any query string. */
const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/i;

/**
 * The HTTP entry of the gateway and the only place the fast path runs: GraphQL over HTTP for `POST
 * /graphql` and `GET /graphql?query=…`, read with Node's own request and response, without express.
 * Before anything is read, a request goes to the express app (explorer page, Apollo) when the fast path
 * could not answer it anyway: other routes and methods, a browser asking for a page, an Accept that takes
 * neither JSON type, no credentials (anonymous callers may introspect, which Apollo answers), a body that
 * is not plain JSON. Invariant: each request is answered once, here or by express.
 */
export function createGraphqlFrontDoor(options: GraphqlFrontDoorOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { fastPath, fallback, onOutcome, onError, bodyLimitBytes } = options;
  const maxDepth = options.maxDepth ?? 20;
  const maxNesting = maxBodyNesting(maxDepth);
  const negotiate = createResponseTypeNegotiator();
  const answerHeadersOf = options.answerHeadersOf ?? (() => undefined);

  const handOver = (req: IncomingMessage, res: ServerResponse, reason: string) => {
    onOutcome(req, 'handed_off', undefined, reason);
    fallback(req, res);
  };

  const run = async (req: IncomingMessage, res: ServerResponse, isGet: boolean, url: string) => {
    const { headers } = req;
    let params: ParamsOutcome;
    if (isGet) {
      params = paramsFromSearch(url.slice(url.indexOf('?') + 1));
    } else {
      const body = await readJsonBody(req, bodyLimitBytes, maxNesting);
      if (body.kind === 'unread') return handOver(req, res, 'not a plain JSON body');
      if (body.kind === 'too_deep') {
        answerJson(res, 400, buildQueryTooComplexBody({ limit: 'maxDepth', maximum: maxDepth }), answerHeadersOf(req));
        return onOutcome(req, 'refused', 400);
      }
      if (body.kind === 'invalid') return answerBodyError(req, res, body.status, onOutcome, answerHeadersOf(req));
      // Kept for express.json, which skips a body that was read already.
      (req as IncomingMessage & { body?: unknown }).body = body.value;
      params = paramsFromBody(body.value);
    }
    if (params.kind === 'apollo') return handOver(req, res, params.reason);
    // A body's nesting was bounded above; a GET's variables (JSON in a URL of at most 16 KB) are checked here.
    if (isGet && exceedsNesting(params.params.variables, maxVariablesNesting(maxDepth))) return handOver(req, res, 'variables nest too deep');
    const contentType = negotiate(headers.accept) as string;
    const accountId = headers['x-account-id'];
    const request = {
      method: isGet ? ('GET' as const) : ('POST' as const),
      ...params.params,
      authorization: headers.authorization as string,
      accountIdHeader: Array.isArray(accountId) ? accountId[0] : accountId,
      contentType,
      clientAddress: options.clientAddressOf ? options.clientAddressOf(req) : (req.socket.remoteAddress ?? 'unknown'),
      scope: requestScopeOf(req),
    };
    const result = await fastPath.handle(request);
    if (result.kind === 'apollo') {
      options.carryAdmission?.(request, req);
      return handOver(req, res, result.reason);
    }
    writeAnswer(res, result.status, result.headers, result.body, answerHeadersOf(req));
    onOutcome(req, result.outcome, result.status);
  };

  return (req, res) => {
    const url = req.url ?? '';
    const method = req.method;
    const isGet = method === 'GET';
    if ((method !== 'POST' && !isGet) || !GRAPHQL_PATH.test(url)) return fallback(req, res);
    const { headers } = req;
    // A browser's page, or a GET with no query: the explorer (express).
    if (isGet && (!url.includes('?') || headers.accept?.includes('text/html') || !isJsonOrAbsent(headers['content-type']))) return fallback(req, res);
    if (!hasCredentials(headers.authorization)) return handOver(req, res, 'no credentials');
    if (negotiate(headers.accept) === null) return handOver(req, res, 'Accept takes neither JSON media type');
    run(req, res, isGet, url).catch((error: unknown) => {
      onError(error);
      if (res.headersSent) return void res.destroy();
      answerJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] }, answerHeadersOf(req));
      onOutcome(req, 'refused', 500);
    });
  };
}

/** A non-blank Authorization (a blank one, or "Bearer " alone, is anonymous: Apollo answers). */
function hasCredentials(authorization: string | undefined): authorization is string {
  return authorization !== undefined && !/^\s*(Bearer\s*)?$/i.test(authorization);
}

/** Apollo refuses a GET with a content type other than JSON (415): it answers those. */
function isJsonOrAbsent(contentType: string | undefined): boolean {
  return contentType === undefined || /^\s*application\/json\s*(;|$)/i.test(contentType);
}

/** What the graphql router's error handler answers for a body that cannot be read (400, 413). */
function answerBodyError(req: IncomingMessage, res: ServerResponse, status: 400 | 413, onOutcome: GraphqlFrontDoorOptions['onOutcome'], extra: Record<string, string> | undefined): void {
  const message = status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.';
  answerJson(res, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }, extra);
  onOutcome(req, 'refused', status);
}

function answerJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> | undefined): void {
  writeAnswer(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body), extra);
}

/**
 * With its length declared, Node sends the head and the body in one write; without, writeHead commits
 * to chunked encoding and the answer goes out as several buffers (a writev: about a quarter of the
 * gateway's CPU per request in the bench).
 */
function writeAnswer(res: ServerResponse, status: number, headers: Record<string, string>, body: string, extra: Record<string, string> | undefined): void {
  // The CORS headers the graphql router sets on what express answers (graphqlCors.ts).
  res.writeHead(status, { ...GRAPHQL_CORS_HEADERS, ...extra, ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
}
