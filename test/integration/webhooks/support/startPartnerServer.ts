import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PartnerDelivery {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PartnerServer {
  url: string;
  deliveries: PartnerDelivery[];
  /** Status codes answered in turn; once used up, 200. */
  statuses: number[];
  close(): Promise<void>;
}

/** A partner's webhook endpoint on a real port: records every delivery, answers the queued statuses. */
export async function startPartnerServer(statuses: number[] = []): Promise<PartnerServer> {
  const deliveries: PartnerDelivery[] = [];
  const state = { statuses: [...statuses] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = state.statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    get statuses() {
      return state.statuses;
    },
    set statuses(value: number[]) {
      state.statuses = [...value];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

