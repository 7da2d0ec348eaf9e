import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createTestPartner, installAccount, postGraphql, startInstalledGateway, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { waitFor } from '../../support/waitFor';
import { readFastPathCount, readMetricCount } from '../fastpath/support/readFastPathCount';

const EXPENSIVE = 'query($n: Int!) { clients(first: $n) { nodes { id name firstName lastName companyName } } }';
const count = (gateway: TestGateway, series: string) => readMetricCount(gateway, series);

describe('metrics of a gateway in front of the sandbox', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway(['north']));
  }, 60_000);
  afterAll(() => gateway.close());

  test.each([
    ['a forwarded query', '{ account { id } }', 'fast'],
    ['a split query', '{ account { id } connectorSettings { clientId } }', 'split'],
    ['a stitched query', '{ __typename account { id } connectorSettings { clientId } }', 'stitched'],
  ])('when %s is answered, then its duration is observed under path=%s, and the Jobber call under its status', async (_label, query, path) => {
    const series = `gateway_graphql_request_duration_seconds_count{path="${path}",outcome="ok"}`;
    const before = { requests: await count(gateway, series), jobber: await count(gateway, 'gateway_jobber_request_duration_seconds_count{status="200"}') };
    const answer = await postGraphql(gateway.url, { query }, partner.headers('north'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect((await count(gateway, series)) - before.requests).toBe(1);
    expect((await count(gateway, 'gateway_jobber_request_duration_seconds_count{status="200"}')) - before.jobber).toBe(1);
  });

  test('when the key is wrong, then the request is observed as a client error the fast path refused (no work done)', async () => {
    const series = 'gateway_graphql_request_duration_seconds_count{path="refused",outcome="client_error"}';
    const before = await count(gateway, series);
    expect((await postGraphql(gateway.url, { query: '{ account { id } }' }, { authorization: 'Bearer jgp_wrong', 'x-account-id': 'north' })).status).toBe(401);
    expect((await count(gateway, series)) - before).toBe(1);
  });

  test('when Jobber answers 500, then the Jobber call is counted under status 500', async () => {
    const before = await count(gateway, 'gateway_jobber_request_duration_seconds_count{status="500"}');
    gateway.sandbox.control.setGraphqlFailure({ status: 500, count: 1 });
    await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('north'));
    expect((await count(gateway, 'gateway_jobber_request_duration_seconds_count{status="500"}')) - before).toBe(1);
  });

  test("when /metrics is scraped, then the library's process and event-loop metrics are there", async () => {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) {
      expect(text).toContain(name);
    }
  });

  test('when another gateway runs in the same process, then its registry is its own', async () => {
    const other = await startTestGateway({ sandbox: gateway.sandbox });
    try {
      const before = await readFastPathCount(other, 'forwarded');
      await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('north'));
      expect(await readFastPathCount(other, 'forwarded')).toBe(before);
    } finally {
      await other.close();
    }
  });
});

describe('installation, token, pacer and webhook metrics', () => {
  let sandbox: Sandbox;
  let gateway: TestGateway;
  let receiver: Server;
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(req.url ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sandbox = await createSandbox({ bucket: { maximumAvailable: 1000, restoreRate: 500 } });
    // The partner's webhook receiver listens on 127.0.0.1, which the SSRF guard refuses unless allowed.
    gateway = await startTestGateway({ sandbox, background: true, config: { throttleMaxWaitMs: 3000, webhookAllowPrivateTargets: true } });
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  test('when installations change, then gateway_installations counts them by status from the store, and deliveries by outcome', async () => {
    const hooked = await createTestPartner(gateway);
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await postGraphql(gateway.url, { query: 'mutation($u: String!) { updateConnectorSettings(input: { webhookUrl: $u }) { webhookUrl } }', variables: { u: webhookUrl } }, hooked.headers());
    await postGraphql(gateway.url, { query: 'mutation { rotateWebhookSigningSecret }' }, hooked.headers());
    const silent = await createTestPartner(gateway);
    await installAccount(gateway, hooked, 'a1');
    await installAccount(gateway, hooked, 'a2');
    await installAccount(gateway, silent, 'b1');
    const uninstalled = await postGraphql(gateway.url, { query: 'mutation { uninstallConnector(accountId: "a2") { status } }' }, hooked.headers());
    expect(uninstalled.body.data).toEqual({ uninstallConnector: { status: 'DISCONNECTED' } });
    // The first scrape of this gateway counts the records (then serves that count for a minute).
    expect(await count(gateway, 'gateway_installations{status="INSTALLED"}')).toBe(2);
    expect(await count(gateway, 'gateway_installations{status="DISCONNECTED"}')).toBe(1);
    expect(await count(gateway, 'gateway_installations{status="REAUTHORIZATION_REQUIRED"}')).toBe(0);
    // hooked: installed twice and disconnected once, delivered; silent has no webhookUrl: dropped.
    await waitFor(async () => (await count(gateway, 'gateway_webhook_deliveries_total{outcome="delivered"}')) === 3, 'three deliveries', 15_000);
    await waitFor(async () => (await count(gateway, 'gateway_webhook_deliveries_total{outcome="dropped"}')) === 1, 'one dropped event', 15_000);
    expect(received).toHaveLength(3);
  });

  test('when an access token has expired, then the refresh is counted as refreshed', async () => {
    const partner = await createTestPartner(gateway);
    sandbox.control.setTokenLifetime(1);
    try {
      await installAccount(gateway, partner, 'short-lived');
    } finally {
      sandbox.control.setTokenLifetime(3600);
    }
    const before = await count(gateway, 'gateway_token_refreshes_total{outcome="refreshed"}');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answer = await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('short-lived'));
    expect(answer.body.errors).toBeUndefined();
    expect((await count(gateway, 'gateway_token_refreshes_total{outcome="refreshed"}')) - before).toBe(1);
  });

  test('when a burst overruns the cost bucket, then the pacer waits are observed; past the bound, refusals are counted', async () => {
    const partner = await createTestPartner(gateway);
    await installAccount(gateway, partner, 'heavy');
    // Learn the bucket, then 6 x 250 points on 1000 restoring 500/s: the later ones wait.
    await postGraphql(gateway.url, { query: EXPENSIVE, variables: { n: 50 } }, partner.headers('heavy'));
    const waitsBefore = await count(gateway, 'gateway_pacer_wait_seconds_count');
    const burst = await Promise.all(Array.from({ length: 6 }, () => postGraphql(gateway.url, { query: EXPENSIVE, variables: { n: 50 } }, partner.headers('heavy'))));
    expect(burst.every((answer) => answer.body.errors === undefined)).toBe(true);
    expect((await count(gateway, 'gateway_pacer_wait_seconds_count')) - waitsBefore).toBeGreaterThan(0);

    const tight = await startTestGateway({ sandbox, config: { throttleMaxWaitMs: 50 } });
    try {
      const other = await createTestPartner(tight);
      await installAccount(tight, other, 'tight');
      await postGraphql(tight.url, { query: EXPENSIVE, variables: { n: 50 } }, other.headers('tight'));
      const answers = await Promise.all(Array.from({ length: 6 }, () => postGraphql(tight.url, { query: EXPENSIVE, variables: { n: 50 } }, other.headers('tight'))));
      const refused = answers.filter((answer) => answer.body.errors?.[0]?.extensions?.code === 'UPSTREAM_THROTTLED').length;
      expect(refused).toBeGreaterThan(0);
      // Most are refused before forwarding; on a loaded machine one may be refused after Jobber said THROTTLED.
      const stages = await Promise.all(['before_forward', 'after_throttled'].map((stage) => count(tight, `gateway_pacer_refusals_total{stage="${stage}"}`)));
      expect(stages[0]).toBeGreaterThan(0);
      expect(stages[0]! + stages[1]!).toBe(refused);
    } finally {
      await tight.close();
    }
  });
});

describe('/metrics protection', () => {
  const token = 'scrape-token-0123456789abcdef';

  test('when METRICS_TOKEN is set, then a scrape without it or with another is 401 and with it 200', async () => {
    const gateway = await startTestGateway({ config: { metricsToken: token } });
    try {
      const none = await fetch(`${gateway.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await none.json()).toEqual({ errors: [{ message: 'Send Authorization: Bearer <METRICS_TOKEN>.', extensions: { code: 'UNAUTHENTICATED' } }] });
      expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      const allowed = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('gateway_http_requests_total{route="/metrics",status="401"} 2');
    } finally {
      await gateway.close();
    }
  });

  test('when METRICS_PORT is set, then the main port answers /metrics 404 and the metrics listener serves it (with the token)', async () => {
    const gateway = await startTestGateway({ config: { metricsPort: 9, metricsToken: token } });
    const metricsServer = createServer(gateway.app.metricsHandler);
    await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
    const metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${metricsUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('gateway_http_requests_total{route="/metrics",status="404"} 1');
      expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await gateway.close();
    }
  });
});
