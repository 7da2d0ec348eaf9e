import { request } from 'node:http';
import { connect } from 'node:net';

/** An answer as a case sees it. */
export interface HostileAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request with node:http, which (unlike fetch) sends a header given as an array as several
 * header lines, any content type and any body, and no Accept unless told.
 */
export function sendHttp(url: string, options: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: string | Buffer }): Promise<HostileAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${options.path}`, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.end(options.body);
  });
}

/** POST /graphql with a JSON body (a string is sent as it is). */
export function postJson(url: string, body: unknown, headers: Record<string, string | string[]> = {}): Promise<HostileAnswer> {
  return sendHttp(url, {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Raw bytes on a fresh socket, in one write (requests Node's own client would not send); resolves with the
 * status line's code once the server answers or closes. A server that refuses a request before reading all
 * of it may reset the connection after its answer: what arrived before the reset is the answer.
 */
export function sendRawHttp(url: string, raw: string): Promise<HostileAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const answered = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, headers: {}, text });
    };
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => (chunks.length > 0 ? answered() : reject(error)));
    socket.on('close', answered);
    socket.end(raw);
  });
}
