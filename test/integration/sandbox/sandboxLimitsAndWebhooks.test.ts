import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { estimateQueryCost } from '../../../src/jobber/estimateQueryCost';
import { isValidJobberWebhookSignature } from '../../../src/jobber/signJobberWebhook';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { buildSandboxSchema } from '../../../src/sandbox/sandboxSchema';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JobberMessage } from '../../../src/jobber/jobberMessages';
import { APP, gql } from './sandboxRequests';

interface Received {
  body: Buffer;
  signature: string | undefined;
}

/** A tiny webhook receiver: records raw bodies and signature headers. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[]; next(): Promise<Received> }> {
  const received: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { body: Buffer.concat(chunks), signature: req.headers['x-jobber-hmac-sha256'] as string | undefined };
      received.push(entry);
      waiters.shift()?.(entry);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/webhooks/jobber`,
    received,
    next: () => new Promise((done) => waiters.push(done)),
  };
}

describe('sandbox rate limits', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ apps: [APP], bucket: { maximumAvailable: 100, restoreRate: 1 }, requestLimit: { max: 5, windowMs: 60_000 } });
  });
  afterAll(() => sandbox.close());
  const install = (name: string) => {
    const accountId = sandbox.control.createAccount({ name }).id;
    return sandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId }).access_token;
  };

  test('when a small bucket drains, then the next query is THROTTLED, costs nothing and is counted', async () => {
    const token = install('Heavy user');
    const query = '{ clients(first: 30) { nodes { id name } } }'; // 30 x 2 = 60 points
    const first = await gql(sandbox.url, query, { token });
    expect(first.body.extensions.cost).toMatchObject({ requestedQueryCost: 60, actualQueryCost: 60 });
    expect(first.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(41);
    const second = await gql(sandbox.url, query, { token });
    expect(second.status).toBe(200);
    expect(second.body.errors[0].extensions.code).toBe('THROTTLED');
    expect(second.body.data).toBeUndefined();
    expect(second.body.extensions.cost).toMatchObject({ requestedQueryCost: 60, actualQueryCost: 0, throttleStatus: { maximumAvailable: 100, restoreRate: 1 } });
    const cheap = await gql(sandbox.url, '{ account { id } }', { token });
    expect(cheap.body.data.account.id).toEqual(expect.any(String));
    expect(sandbox.control.counters().throttled).toBe(1);
  });

  test('when more requests than the limit arrive in the window, then it answers 429 with Retry-After', async () => {
    const token = install('Chatty');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await gql(sandbox.url, '{ account { id } }', { token });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(sandbox.control.counters().rateLimited).toBeGreaterThanOrEqual(1);
  });

  test('when a query is served, then requestedQueryCost equals estimateQueryCost on the same schema', async () => {
    const schema = buildSandboxSchema(readFileSync(resolve(__dirname, '../../../schema/jobber.graphql'), 'utf8')).schema;
    const query = '{ quotes(first: 3) { nodes { id title quoteNumber quoteStatus createdAt client { id } } } }';
    const { body } = await gql(sandbox.url, query, { token: install('Costly') });
    expect(body.extensions.cost.requestedQueryCost).toBe(estimateQueryCost(schema, parse(query)));
    expect(body.extensions.cost.requestedQueryCost).toBe(21);
  });
});

describe('sandbox webhooks', () => {
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await createSandbox({ apps: [{ ...APP, webhookUrl: receiver.url }] });
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise((done) => receiver.server.close(done));
  });

  test('when a webhook is sent, then it arrives with Jobber\'s body and a signature that verifies with the app secret', async () => {
    const accountId = sandbox.control.createAccount({ name: 'Hooked' }).id;
    const arrival = receiver.next();
    const { status } = await sandbox.control.sendWebhook({ clientId: APP.clientId, accountId, topic: 'CLIENT_CREATE', itemId: 'Q2xpZW50LzE=' });
    expect(status).toBe(200);
    const { body, signature } = await arrival;
    expect(isValidJobberWebhookSignature(body, APP.clientSecret, signature)).toBe(true);
    expect(isValidJobberWebhookSignature(body, 'another-secret', signature)).toBe(false);
    const event = JSON.parse(body.toString('utf8')).data.webHookEvent;
    expect(event).toEqual({ topic: 'CLIENT_CREATE', appId: expect.any(String), accountId, itemId: 'Q2xpZW50LzE=', occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
  });

  test('when legacyOccuredAt is asked for, then the body carries the misspelt key', async () => {
    const accountId = sandbox.control.createAccount({ name: 'Old app' }).id;
    const arrival = receiver.next();
    await sandbox.control.sendWebhook({ clientId: APP.clientId, accountId, topic: 'JOB_CREATE', occurredAt: '2021-08-12T16:31:36-06:00', legacyOccuredAt: true });
    const event = JSON.parse((await arrival).body.toString('utf8')).data.webHookEvent;
    expect(event.occuredAt).toBe('2021-08-12T16:31:36-06:00');
    expect(event.occurredAt).toBeUndefined();
  });

  test('when the account disconnects through the control API, then tokens die and APP_DISCONNECT arrives signed', async () => {
    const accountId = sandbox.control.createAccount({ name: 'Leaver' }).id;
    const { access_token } = sandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId });
    const arrival = receiver.next();
    await sandbox.control.disconnect({ clientId: APP.clientId, accountId });
    const { body, signature } = await arrival;
    expect(isValidJobberWebhookSignature(body, APP.clientSecret, signature)).toBe(true);
    expect(JSON.parse(body.toString('utf8')).data.webHookEvent).toMatchObject({ topic: 'APP_DISCONNECT', accountId });
    const after = await gql(sandbox.url, '{ account { id } }', { token: access_token });
    expect(after).toMatchObject({ status: 401, body: { message: JobberMessage.DISCONNECTED } });
    expect(sandbox.control.liveRefreshToken({ clientId: APP.clientId, accountId })).toBeUndefined();
  });
});
