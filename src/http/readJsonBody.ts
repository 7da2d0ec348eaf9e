import type { IncomingMessage } from 'node:http';
import { exceedsJsonNesting } from '../limits/jsonNesting';

/**
 * - `json`: the body was read and parsed (an object or an array, or `{}` for an empty body);
 * - `unread`: not a plain UTF-8 JSON body (another content type, a compressed body, a declared length
 *   over the limit): left untouched for express.json, which answers it;
 * - `invalid`: read but not JSON (400), or longer than the limit (413);
 * - `too_deep`: read, and its brackets nest deeper than `maxNesting`: not parsed at all.
 */
export type JsonBody = { kind: 'json'; value: unknown } | { kind: 'unread' } | { kind: 'invalid'; status: 400 | 413 } | { kind: 'too_deep' };

/**
 * A lean reader for the common GraphQL POST (`Content-Type: application/json`, UTF-8, not compressed):
 * it produces what express.json would (the same 400 and 413, `{}` for an empty body, objects and arrays
 * only) without its per-request machinery. Once it has read a body, express.json sees the request as
 * finished and keeps `req.body` as set here.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number, maxNesting = Number.POSITIVE_INFINITY): Promise<JsonBody> {
  if (!isPlainJson(req.headers['content-type']) || !isIdentity(req.headers['content-encoding'])) return Promise.resolve({ kind: 'unread' });
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= limitBytes)) return Promise.resolve({ kind: 'unread' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = (body: JsonBody) => {
      done = true;
      chunks.length = 0;
      resolve(body);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      length += chunk.length;
      if (length > limitBytes) finish({ kind: 'invalid', status: 413 });
      else chunks.push(chunk);
    });
    req.once('error', () => {
      if (!done) finish({ kind: 'invalid', status: 400 });
    });
    req.once('end', () => {
      if (done) return;
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
      if (maxNesting !== Number.POSITIVE_INFINITY && exceedsJsonNesting(bytes, maxNesting)) return finish({ kind: 'too_deep' });
      const text = bytes.toString('utf8');
      if (text.length === 0) return finish({ kind: 'json', value: {} });
      // express.json's strict mode: only an object or an array is a JSON body.
      const first = /\S/.exec(text)?.[0];
      if (first !== '{' && first !== '[') return finish({ kind: 'invalid', status: 400 });
      try {
        finish({ kind: 'json', value: JSON.parse(text) as unknown });
      } catch {
        finish({ kind: 'invalid', status: 400 });
      }
    });
  });
}

function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  // The common spellings first, without allocating.
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return true;
  const value = contentType.toLowerCase().replace(/\s+/g, '');
  return value === 'application/json' || value === 'application/json;charset=utf-8';
}

function isIdentity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}
