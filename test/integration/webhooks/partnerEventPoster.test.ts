import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/core/deps';
import { createPartnerEventPoster } from '../../../src/webhooks/partnerEventPoster';
import type { PartnerEventPayload } from '../../../src/webhooks/partnerEventPayload';

const payload = { id: 'evt-1', type: 'installation.installed', createdAt: '2026-12-01T00:00:00.000Z', data: {} } as unknown as PartnerEventPayload;
const CHUNK = 64 * 1024;

describe('partner event poster', () => {
  let server: Server;
  let url: string;
  let sentBytes = 0;
  let closed: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    // A hostile receiver: it answers 200 at once, then streams its body without end, as fast as the
    // gateway reads it (a chunk a millisecond at most, waiting whenever the socket is full).
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let open = true;
      closed = new Promise((resolve) => res.on('close', () => ((open = false), resolve())));
      const pump = (): void => {
        if (!open) return;
        sentBytes += CHUNK;
        if (res.write(Buffer.alloc(CHUNK, 1))) setTimeout(pump, 1);
        else res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('when the partner answers 2xx and then streams its body without end, then the delivery succeeds without reading the body', async () => {
    const poster = createPartnerEventPoster({ fetch, clock: systemClock, timeoutMs: 2000, allowPrivateTargets: true });
    try {
      expect(await poster.post({ url, signingSecret: 'whsec_c2VjcmV0' }, payload)).toBeUndefined();
      await closed;
      // Unread, the body stops at what the sockets buffer (a few MB on loopback); read until the 2 s
      // timeout it would be over 100 MB, all held in the gateway's memory.
      expect(sentBytes).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await poster.close();
    }
  });
});
