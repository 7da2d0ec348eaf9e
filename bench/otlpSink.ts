import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** The OTLP/HTTP base URL to give the gateway (OTEL_EXPORTER_OTLP_ENDPOINT). */
  url: string;
  /** What arrived so far: export requests and their body bytes. */
  received(): { posts: number; bytes: number };
  close(): Promise<void>;
}

/**
 * A stand-in OTLP/HTTP collector for the bench: reads every export's body, answers 200 `{}` (a full
 * success for the exporter) and counts. It keeps nothing, so what it costs is reading the bytes.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let posts = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      posts += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => ({ posts, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
