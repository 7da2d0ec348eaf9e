import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { GraphQLError } from 'graphql';
import { resolvePrincipal, type PrincipalSources } from '../auth/resolvePrincipal';
import { isGatewayError } from '../errors/gatewayError';
import type { GatewayServices } from '../gateway/gatewayServices';
import type { Principal, RequestContext } from '../gateway/requestContext';
import { buildExplorerPage, isBrowserPageRequest, type ExplorerPageOptions } from './explorerPage';
import { setGraphqlCorsHeaders } from './graphqlCors';

/** The largest `/graphql` request body accepted unless told otherwise. */
export const DEFAULT_BODY_LIMIT = '1mb';

export interface GraphqlRouterOptions {
  apollo: ApolloServer<RequestContext>;
  services: GatewayServices;
  principals: PrincipalSources;
  /** Largest accepted request body. Default DEFAULT_BODY_LIMIT. */
  bodyLimit?: string;
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
    express.json({ limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT }),
    expressMiddleware(options.apollo, {
      context: async ({ req }): Promise<RequestContext> => {
        const accountIdHeader = req.headers['x-account-id'];
        const accountId = Array.isArray(accountIdHeader) ? accountIdHeader[0] : accountIdHeader;
        try {
          const principal: Principal = await resolvePrincipal(req.headers.authorization, accountId, options.principals);
          const admittedQuery = await options.admitDocument?.(principal, req);
          return { principal, accountIdHeader: accountId, services: options.services, jobberExtensions: [], ...(admittedQuery === undefined ? {} : { admittedQuery }) };
        } catch (error) {
          // Apollo answers a context failure with the GraphQLError's http status (401, 403, 503).
          if (isGatewayError(error)) throw new GraphQLError(error.message, { extensions: error.extensions, originalError: error });
          throw error;
        }
      },
    }),
  );

  // Bodies that are not JSON never reach Apollo: answer like GraphQL over HTTP does, 400 with a code.
  router.use('/graphql', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.';
      res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    next(error);
  });
  return router;
}

/** '1mb', '100kb', '512b' or a plain number of bytes (the forms express.json's `limit` takes here). */
export function parseByteSize(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(size.trim());
  if (!match) throw new Error(`bodyLimit "${size}" is not a size like 1mb`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}
