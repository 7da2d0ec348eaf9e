import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorCode } from '../errors/gatewayError';
import { setGraphqlCorsHeaders } from './graphqlCors';

export interface GraphqlFrontDoorOptions {
  /** createFastPathBodyReader: reads plain JSON bodies into `req.body`, leaves any other body unread. */
  readBody: RequestHandler;
  /** createFastPathHandler: answers itself or calls next (hand-off to Apollo). */
  fastPath: RequestHandler;
  /** The express app: everything the front door does not answer goes there, untouched or with its body read. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  /** Called when a response the front door wrote itself is sent (express counts its own). */
  onAnswered(status: number): void;
  /** A bug in the fast path (it rejected): logged here; the client gets a masked 500. */
  onError(error: unknown): void;
}

/** `/graphql` as express's router matches it: any case, an optional trailing slash, any query string. */
const GRAPHQL_PATH = /^\/graphql\/?(?:\?|$)/i;

/**
 * The HTTP entry of the gateway and the only place the fast path runs. `POST /graphql` goes to the
 * fast path without express's router, which cost about a tenth of the CPU of a forwarded request;
 * everything else, and every request the fast path hands off (body read, hand-off in `res.locals`),
 * goes to the express app. The fast path and the body reader only use Node's own request and response
 * members plus `req.body` and `res.locals`. Invariant: each request is answered once, here or by express.
 */
export function createGraphqlFrontDoor(options: GraphqlFrontDoorOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { readBody, fastPath, fallback, onAnswered, onError } = options;
  return (req, res) => {
    if (req.method !== 'POST' || !GRAPHQL_PATH.test(req.url ?? '')) {
      fallback(req, res);
      return;
    }
    const request = req as Request;
    const response = res as Response;
    // express keeps locals that already exist; the fast path leaves its hand-off there.
    response.locals ??= Object.create(null) as Record<string, unknown>;
    setGraphqlCorsHeaders(res);
    let handedOver = false;
    const handOver: NextFunction = () => {
      handedOver = true;
      fallback(req, res);
    };
    // express counts what it answers; the front door counts the rest.
    res.once('finish', () => {
      if (!handedOver) onAnswered(res.statusCode);
    });
    void readBody(request, response, (error?: unknown) => {
      if (error !== undefined) {
        answerBodyError(res, error);
        return;
      }
      // Not a plain JSON body: express.json reads it.
      if (request.body === undefined) return handOver();
      Promise.resolve(fastPath(request, response, handOver)).catch((error: unknown) => {
        onError(error);
        if (res.headersSent) return void res.destroy();
        answerJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
      });
    });
  };
}

/** What the graphql router's error handler answers for a body that cannot be read (400, 413). */
function answerBodyError(res: ServerResponse, error: unknown): void {
  const status = (error as { status?: number }).status ?? 400;
  const message = status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.';
  answerJson(res, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
