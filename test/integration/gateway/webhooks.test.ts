import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { waitFor } from '../../support/waitFor';

interface Delivery {
  body: string;
  signature: string | undefined;
  headers: Record<string, string>;
  json: { type: string; accountId: string; topic: string | null; jobberAccountId: string | null };
}


describe('webhooks end to end: Jobber -> gateway -> partner', () => {
  let gateway: TestGateway;
  let partner: TestPartner;
  let receiver: Server;
  let signingSecret: string;
  const deliveries: Delivery[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        deliveries.push({
          body,
          signature: req.headers['x-gateway-signature'] as string | undefined,
          headers: req.headers as Record<string, string>,
          json: JSON.parse(body) as Delivery['json'],
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    gateway = await startTestGateway({ background: true, config: { webhookAllowPrivateTargets: true } });
    partner = await createTestPartner(gateway, { jobberWebhooks: true });
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await postGraphql(
      gateway.url,
      { query: 'mutation($u: String!) { updateConnectorSettings(input: { webhookUrl: $u }) { webhookUrl } }', variables: { u: webhookUrl } },
      partner.headers(),
    );
    const rotated = await postGraphql(gateway.url, { query: 'mutation { rotateWebhookSigningSecret }' }, partner.headers());
    signingSecret = rotated.body.data?.rotateWebhookSigningSecret as string;
    expect(signingSecret).toMatch(/^whsec_/);
    await installAccount(gateway, partner, 'hooked', { accountName: 'Hooked Co' });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const jobberAccountIdOf = async (): Promise<string> => {
    const answer = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "hooked") { jobberAccountId status } }' }, partner.headers());
    return (answer.body.data?.connectorInstallation as { jobberAccountId: string }).jobberAccountId;
  };

  test('when the install completes, then the partner receives a signed installation.installed event', async () => {
    const delivery = await waitFor(() => deliveries.find((d) => d.json.type === 'installation.installed'), 'installation.installed', 15_000);
    expect(delivery.json.accountId).toBe('hooked');
    const expected = `sha256=${createHmac('sha256', signingSecret).update(delivery.body).digest('hex')}`;
    expect(delivery.signature).toBe(expected);
    // The secret rotateWebhookSigningSecret showed verifies the Standard Webhooks signature with the reference library.
    expect(new Webhook(signingSecret).verify(delivery.body, delivery.headers)).toMatchObject({ type: 'installation.installed', accountId: 'hooked' });
  });

  test('when a correctly signed APP_DISCONNECT from two days ago is replayed, then it is ignored and the installation stays', async () => {
    const jobberAccountId = await jobberAccountIdOf();
    const occurredAt = new Date(Date.now() - 2 * 24 * 3_600_000).toISOString();
    const body = JSON.stringify({ data: { webHookEvent: { topic: 'APP_DISCONNECT', appId: 'x', accountId: jobberAccountId, itemId: jobberAccountId, occurredAt } } });
    const response = await fetch(`${gateway.url}/webhooks/jobber`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jobber-hmac-sha256': createHmac('sha256', partner.clientSecret).update(body).digest('base64') },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, ignored: 'stale' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const status = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "hooked") { status } }' }, partner.headers());
    expect(status.body.data).toEqual({ connectorInstallation: { status: 'INSTALLED' } });
  });

  test('when Jobber sends a signed CLIENT_CREATE twice, then the partner hears it once', async () => {
    const jobberAccountId = await jobberAccountIdOf();
    const webhook = { clientId: partner.clientId, accountId: jobberAccountId, topic: 'CLIENT_CREATE', itemId: 'Q2xpZW50LzE=', occurredAt: new Date(Date.now() - 60_000).toISOString() };
    expect((await gateway.sandbox.control.sendWebhook(webhook)).status).toBe(200);
    expect((await gateway.sandbox.control.sendWebhook(webhook)).status).toBe(200);
    await waitFor(() => deliveries.find((d) => d.json.topic === 'CLIENT_CREATE'), 'CLIENT_CREATE', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(deliveries.filter((d) => d.json.topic === 'CLIENT_CREATE')).toHaveLength(1);
  });

  test('when a webhook is forged, then 401 and nothing reaches the partner', async () => {
    const jobberAccountId = await jobberAccountIdOf();
    const body = JSON.stringify({ data: { webHookEvent: { topic: 'APP_DISCONNECT', appId: 'x', accountId: jobberAccountId, itemId: jobberAccountId, occurredAt: new Date().toISOString() } } });
    const response = await fetch(`${gateway.url}/webhooks/jobber`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jobber-hmac-sha256': createHmac('sha256', 'wrong-secret').update(body).digest('base64') },
      body,
    });
    expect(response.status).toBe(401);
    const status = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "hooked") { status } }' }, partner.headers());
    expect(status.body.data).toEqual({ connectorInstallation: { status: 'INSTALLED' } });
  });

  test('when the account disconnects the app in Jobber, then the installation ends and the partner is told', async () => {
    const jobberAccountId = await jobberAccountIdOf();
    await gateway.sandbox.control.disconnect({ clientId: partner.clientId, accountId: jobberAccountId });
    await waitFor(() => deliveries.find((d) => d.json.topic === 'APP_DISCONNECT'), 'APP_DISCONNECT', 15_000);
    await waitFor(() => deliveries.find((d) => d.json.type === 'installation.disconnected'), 'installation.disconnected', 15_000);
    const status = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "hooked") { status } }' }, partner.headers());
    expect(status.body.data).toEqual({ connectorInstallation: { status: 'DISCONNECTED' } });
    const query = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('hooked'));
    expect(query.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_INSTALLED');
    for (const d of deliveries) expect(d.body).not.toContain(partner.clientSecret);
  });
});
