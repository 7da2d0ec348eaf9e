import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/core/deps';
import { createPartnerEventPoster } from '../../../src/webhooks/partnerEventPoster';
import type { PartnerEventPayload } from '../../../src/webhooks/partnerEventPayload';

const payload = { id: 'evt-1', type: 'installation.installed', createdAt: '2026-12-01T00:00:00.000Z', data: {} } as unknown as PartnerEventPayload;

describe('partner event poster', () => {
  let server: Server;
  let url: string;
  let streaming: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    // A hostile receiver: it answers 200 at once, then streams its body without end.
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      streaming = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(streaming));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    clearInterval(streaming);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('when the partner answers 2xx and then streams its body without end, then the delivery succeeds at once without reading it', async () => {
    const poster = createPartnerEventPoster({ fetch, clock: systemClock, timeoutMs: 2000, allowPrivateTargets: true });
    try {
      // Reading the body would run into the 2 s timeout (a failed delivery), holding all it read in memory.
      expect(await poster.post({ url, signingSecret: 'whsec_c2VjcmV0' }, payload)).toBeUndefined();
    } finally {
      await poster.close();
    }
  });
});
