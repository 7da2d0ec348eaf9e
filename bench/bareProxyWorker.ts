/**
 * Bench child: the least a Node proxy can do per request, as the reference for the gateway's CPU: read the
 * body, send it to the sandbox's GraphQL endpoint over a keep-alive pool (undici, like the gateway) with
 * the caller's Authorization, answer with the sandbox's bytes. No auth, no parsing. Its own process, so
 * its CPU and memory are its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { serveParent } from './childProcess';

async function main(): Promise<void> {
  const agent = new Agent({ connections: 128 });
  const origin = new URL(process.env.JOBBER_BASE_URL ?? '').origin;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      agent
        .request({
          origin,
          path: '/api/graphql',
          method: 'POST',
          headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json', 'x-jobber-graphql-version': req.headers['x-jobber-graphql-version'] ?? '' },
          body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        })
        .then(async (upstream) => {
          const text = await upstream.body.text();
          res.writeHead(upstream.statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serveParent(
    { stats: () => ({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed }) },
    { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/graphql` },
  );
}

void main();
