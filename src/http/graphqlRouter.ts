import type { IncomingMessage } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import { httpHeadersOf, isGatewayError } from '../errors/gatewayError';
import type { GatewayServices } from '../gateway/gatewayServices';
import type { Principal, RequestContext } from '../gateway/requestContext';
import type { CallerRequest } from '../limits/callerGate';
import type { QueryLimitChecker } from '../limits/queryLimitChecker';
import { buildExplorerPage, isBrowserPageRequest, type ExplorerPageOptions } from './explorerPage';
import { setGraphqlCorsHeaders } from './graphqlCors';
import { requestScopeOf } from '../observability/requestScope';

/** The largest `/graphql` request body accepted unless told otherwise. */
export const DEFAULT_BODY_LIMIT = '1mb';

export interface GraphqlRouterOptions {
  apollo: ApolloServer<RequestContext>;
  services: GatewayServices;
  /**
   * Who calls, within the request budgets (callerGate.admit), before Apollo parses anything; `ticket` is
   * the request, under which the fast path may already have admitted it.
   */
  admitCaller(request: CallerRequest, req: IncomingMessage): Promise<Principal>;
  /** The client's address as the budgets count it (clientAddressOf with the configured proxy hops). */
  clientAddressOf(req: Request): string;
  /** The parser and validation limits (createQueryLimitChecker), checked after the caller is admitted and before Apollo parses. */
  limits: QueryLimitChecker;
  /** Largest accepted request body (after decompression): bytes, or a size like '1mb'. Default DEFAULT_BODY_LIMIT. */
  bodyLimit?: string | number;
  /** What the explorer opens with (explorerPage.ts); default: empty headers. */
  explorer?: ExplorerPageOptions;
  /**
   * Admits the request's document for this caller (trusted documents): the text Apollo is to run instead of
   * the request's own (a persisted query's hash resolved), or undefined; throws the refusal.
   */
  admitDocument?(principal: Principal, req: Request): Promise<string | undefined>;
}

/**
 * `/graphql`: the explorer for browsers, GraphQL over HTTP for everyone else (CORS: setGraphqlCorsHeaders).
 * With the fast path, what it hands over arrives from the front door (graphqlFrontDoor.ts) as the client
 * sent it, sometimes with its JSON body read (express.json then skips it); nothing else comes along.
 */
export function createGraphqlRouter(options: GraphqlRouterOptions): Router {
  const router = express.Router();
  let explorer: Promise<string> | undefined;

  router.use('/graphql', (req, res, next) => {
    // Even with ?query=: GraphiQL writes the edited query there, so a reload must bring the explorer back.
    // No CORS headers on the page: another site's script may not read it (in the demo it holds the key).
    if (req.method === 'GET' && isBrowserPageRequest(req.headers.accept)) {
      explorer ??= buildExplorerPage(options.explorer);
      explorer.then((page) => res.type('html').send(page), next);
      return;
    }
    setGraphqlCorsHeaders(res);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.use(
    '/graphql',
    express.json({
      limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // Before JSON.parse: a body nested past the limits is refused unparsed (see the error handler below).
      verify: (_req, _res, bytes) => {
        const tooDeep = options.limits.checkBody(bytes);
        if (tooDeep) throw Object.assign(new Error('the request body nests too deep'), { status: 400, queryTooComplex: tooDeep });
      },
    }),
    expressMiddleware(options.apollo, {
      context: async ({ req }): Promise<RequestContext> => {
        const accountIdHeader = req.headers['x-account-id'];
        const accountId = Array.isArray(accountIdHeader) ? accountIdHeader[0] : accountIdHeader;
        try {
          const caller = { authorization: req.headers.authorization, accountIdHeader: accountId, clientAddress: options.clientAddressOf(req) };
          const principal: Principal = await options.admitCaller(caller, req);
          // The text that runs: a persisted query's hash resolved, a session held to its partner's trusted documents.
          const admittedQuery = await options.admitDocument?.(principal, req);
          const { query, variables } = graphqlParamsOf(req);
          const text = admittedQuery ?? query;
          // A POST body's nesting was checked before it was parsed (express.json's verify); a GET's variables are JSON text.
          const tooComplex = (text === undefined ? null : options.limits.checkQuery(text)) ?? (req.method === 'GET' ? options.limits.checkVariables(variables) : null);
          // A GraphQLError with http status 400: Apollo answers it as it is, before parsing anything.
          if (tooComplex) throw tooComplex;
          return {
            principal,
            accountIdHeader: accountId,
            services: options.services,
            jobberExtensions: [],
            scope: requestScopeOf(req),
            ...(admittedQuery === undefined ? {} : { admittedQuery }),
          };
        } catch (error) {
          // Apollo answers a context failure with the GraphQLError's http status (401, 403, 429, 503) and headers.
          if (isGatewayError(error)) throw new GraphQLError(error.message, { extensions: withHttpHeaders(error.extensions, httpHeadersOf(error)), originalError: error });
          throw error;
        }
      },
    }),
  );

  // Bodies that are not JSON never reach Apollo: answer like GraphQL over HTTP does, 400 with a code.
  router.use('/graphql', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: number }).status;
    const tooDeep = (error as { queryTooComplex?: GraphQLError }).queryTooComplex;
    if (tooDeep) {
      const { http: _http, ...extensions } = tooDeep.extensions;
      res.status(400).json({ errors: [{ message: tooDeep.message, extensions }] });
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.';
      res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    next(error);
  });
  return router;
}

/**
 * The query text and variables Apollo is about to read: a POST's JSON `query` and `variables`, a GET's
 * parameters (variables as JSON text). Anything else (a batch array, a persisted query's hash alone, no
 * body) has no query here: Apollo refuses or resolves it (a persisted query's text was checked when it
 * was registered).
 */
function graphqlParamsOf(req: Request): { query: string | undefined; variables: unknown } {
  const source: unknown = req.method === 'GET' ? req.query : req.body;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return { query: undefined, variables: undefined };
  const { query, variables } = source as { query?: unknown; variables?: unknown };
  return { query: typeof query === 'string' ? query : undefined, variables };
}

/** Apollo takes response headers from an error's `extensions.http.headers`, a HeaderMap (Retry-After on 429). */
function withHttpHeaders(extensions: Record<string, unknown>, headers: Record<string, string>): Record<string, unknown> {
  const http = extensions.http as { status?: number } | undefined;
  if (Object.keys(headers).length === 0 || !http) return extensions;
  return { ...extensions, http: { ...http, headers: new HeaderMap(Object.entries(headers)) } };
}

/** '1mb', '100kb', '512b' or a plain number of bytes (the forms express.json's `limit` takes here). */
export function parseByteSize(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(size.trim());
  if (!match) throw new Error(`bodyLimit "${size}" is not a size like 1mb`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}
