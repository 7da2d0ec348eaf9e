import type { LookupAddress } from 'node:dns';
import pino from 'pino';
import { type Deps, systemClock } from '../../../src/core/deps';
import type { PartnerEvent } from '../../../src/core/partnerEvents';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { createPartnerEventQueue, type PartnerEventQueueOptions } from '../../../src/webhooks/partnerEventQueue';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createTestPartner, postGraphql, startTestGateway, type TestGateway } from '../../support/testGateway';
import { type PartnerServer, startPartnerServer } from './support/startPartnerServer';

const event: PartnerEvent = { kind: 'jobber', ref: { partnerId: 'p1', accountId: 'a1' }, jobberAccountId: 'J1', topic: 'CLIENT_CREATE', itemId: 'I1', occurredAt: new Date().toISOString() };

/** A resolver that answers from a table (no real DNS): each name maps to the addresses listed. */
function tableLookup(table: Record<string, LookupAddress[]>): PartnerEventQueueOptions['lookup'] {
  return (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (!addresses) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return process.nextTick(() => callback(error, []));
    }
    process.nextTick(() => callback(null, addresses));
  };
}

describe('partner webhook targets inside the network', () => {
  let partner: PartnerServer;
  let store: Store;
  const queues: { stop(): Promise<void> }[] = [];

  beforeEach(async () => {
    partner = await startPartnerServer();
    store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('ssrf') });
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await store.close();
    await partner.close();
  });

  function deps(): Deps {
    return { store, fetch, clock: systemClock, logger: pino({ level: 'silent' }) };
  }

  async function deliverOnce(url: string, overrides: Partial<PartnerEventQueueOptions> = {}) {
    const queue = createPartnerEventQueue({
      deps: deps(),
      getWebhookTarget: async () => ({ url, signingSecret: 'whsec_c2VjcmV0' }),
      baseDelayMs: 10,
      timeoutMs: 2000,
      ...overrides,
    });
    queues.push(queue);
    await queue.emit(event);
    const delivered = await queue.runOnce();
    return { delivered, dead: await queue.listDead('p1'), pending: await queue.countPending() };
  }

  const port = (): string => new URL(partner.url).port;

  test.each([
    ['127.0.0.1', () => `http://127.0.0.1:${port()}/hooks`, /loopback/],
    ['localhost (resolved by DNS)', () => `http://localhost:${port()}/hooks`, /loopback/],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port()}/hooks`, /loopback/],
    ['the unspecified address', () => `http://0.0.0.0:${port()}/hooks`, /unspecified/],
  ])('when the webhookUrl points at %s, then nothing is sent and the event is dead at once with the reason', async (_name, url, reason) => {
    const result = await deliverOnce(url());
    expect(partner.deliveries).toHaveLength(0);
    expect(result.delivered).toBe(0);
    expect(result.pending).toBe(0);
    expect(result.dead).toHaveLength(1);
    expect(result.dead[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(reason) });
    expect(result.dead[0]?.lastError).toMatch(/WEBHOOK_ALLOW_PRIVATE_TARGETS/);
  });

  test('when a name resolves to a public and a private address, then every address is checked and the delivery refused before connecting', async () => {
    const lookup = tableLookup({ 'partner.test': [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }] });
    const result = await deliverOnce(`http://partner.test:${port()}/hooks`, { lookup });
    expect(result.dead[0]?.lastError).toMatch(/10\.0\.0\.7.*private/);
  });

  test.each([
    ['the cloud metadata address', '169.254.169.254', /linkLocal/],
    ['the AWS IPv6 metadata address', 'fd00:ec2::254', /uniqueLocal/],
    ['a CGNAT address', '100.64.0.9', /carrierGradeNat/],
  ])('when a name resolves to %s, then the delivery is refused before connecting', async (_name, address, reason) => {
    const lookup = tableLookup({ 'partner.test': [{ address, family: address.includes(':') ? 6 : 4 }] });
    const result = await deliverOnce(`http://partner.test:${port()}/hooks`, { lookup });
    expect(result.dead[0]?.lastError).toMatch(reason);
  });

  test('when private targets are allowed, then the connection goes to the address the check saw (no second resolution)', async () => {
    // partner.test exists only in this resolver: the delivery can only arrive through the address it returned.
    const lookup = tableLookup({ 'partner.test': [{ address: '127.0.0.1', family: 4 }] });
    const result = await deliverOnce(`http://partner.test:${port()}/hooks`, { lookup, allowPrivateTargets: true });
    expect(result.delivered).toBe(1);
    expect(partner.deliveries).toHaveLength(1);
  });

  test('when private targets are allowed, then a delivery to 127.0.0.1 goes through', async () => {
    const result = await deliverOnce(partner.url, { allowPrivateTargets: true });
    expect(result.delivered).toBe(1);
  });
});

describe('saving a webhookUrl that points inside', () => {
  let sandbox: Sandbox;
  let strict: TestGateway;
  let open: TestGateway;
  beforeAll(async () => {
    sandbox = await createSandbox();
    strict = await startTestGateway({ sandbox });
    open = await startTestGateway({ sandbox, config: { webhookAllowPrivateTargets: true } });
  });
  afterAll(async () => {
    await strict.close();
    await open.close();
    await sandbox.close();
  });

  const save = async (gateway: TestGateway, webhookUrl: string) => {
    const partner = await createTestPartner(gateway, { configure: false });
    return postGraphql(
      gateway.url,
      { query: 'mutation($u: String) { updateConnectorSettings(input: { webhookUrl: $u }) { webhookUrl } }', variables: { u: webhookUrl } },
      partner.headers(),
    );
  };

  test.each([
    ['http://127.0.0.1:8080/hooks'],
    ['http://localhost:8080/hooks'],
    ['https://169.254.169.254/latest/meta-data'],
    ['https://10.0.0.1/hooks'],
    ['https://[::ffff:192.168.0.1]/hooks'],
    ['https://[fd00:ec2::254]/'],
    ['https://[::1]/hooks'],
    ['https://100.64.1.1/hooks'],
  ])('when %s is saved, then BAD_USER_INPUT says why and how to allow it', async (url) => {
    const answer = await save(strict, url);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.message).toMatch(/loopback, private, link-local/);
  });

  test('when private targets are allowed, then a loopback webhookUrl is saved', async () => {
    const answer = await save(open, 'http://127.0.0.1:8080/hooks');
    expect(answer.body.data?.updateConnectorSettings?.webhookUrl).toBe('http://127.0.0.1:8080/hooks');
  });

  test('when a public https URL is saved, then it is kept', async () => {
    const answer = await save(strict, 'https://hooks.example.com/jobber');
    expect(answer.body.data?.updateConnectorSettings?.webhookUrl).toBe('https://hooks.example.com/jobber');
  });
});
