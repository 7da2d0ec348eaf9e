import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface FastPathBodyOptions {
  /** Largest body read here, in bytes; larger ones are left to express.json (which answers 413). */
  limitBytes: number;
}

/**
 * A lean JSON body reader for the common GraphQL POST (`Content-Type: application/json`, UTF-8, not
 * compressed), set before express.json: it produces what express.json would (`req.body`, the same
 * 400 and 413 errors, `{}` for an empty body, objects and arrays only) without its per-request
 * machinery. Anything else is left unread for express.json.
 */
export function createFastPathBodyReader(options: FastPathBodyOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !isPlainJson(req.headers['content-type']) || !isIdentity(req.headers['content-encoding'])) return next();
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= options.limitBytes)) return next();
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      length += chunk.length;
      if (length > options.limitBytes) {
        failed = true;
        chunks.length = 0;
        next(httpError(413, 'request entity too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('error', (error) => {
      if (failed) return;
      failed = true;
      next(httpError(400, error.message));
    });
    req.once('end', () => {
      if (failed) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, length).toString('utf8');
      if (text.length === 0) {
        req.body = {};
        return next();
      }
      // express.json's strict mode: only an object or an array is a JSON body.
      const first = /\S/.exec(text)?.[0];
      if (first !== '{' && first !== '[') return next(httpError(400, 'invalid JSON body'));
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        return next(httpError(400, 'invalid JSON body'));
      }
      next();
    });
  };
}

function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const value = contentType.toLowerCase().replace(/\s+/g, '');
  return value === 'application/json' || value === 'application/json;charset=utf-8';
}

function isIdentity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

function httpError(status: number, message: string): Error & { status: number; expose: boolean } {
  return Object.assign(new Error(message), { status, expose: true });
}
