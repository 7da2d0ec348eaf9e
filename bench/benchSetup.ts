import { approveConsent } from '../src/sandbox/approveConsent';
import type { BenchChild } from './childProcess';
import type { GatewayReady } from './gatewayWorker';
import type { LoadTarget } from './loadPhases';

/** The sandbox's child process (bench/sandboxWorker.ts). */
export type SandboxChild = BenchChild<{ url: string; otlpUrl: string }>;

export interface BenchPartner {
  partnerId: string;
  clientId: string;
  directToken: string;
  headers(accountId?: string): Record<string, string>;
}

/** A partner through the admin mutation, its sandbox app, and one account installed through the real flow. */
export async function setUpPartner(sandbox: SandboxChild, gw: GatewayReady, clientId: string): Promise<BenchPartner> {
  const created = await graphql(gw.url, 'mutation { createPartner(name: "Bench") { partner { id } apiKey } }', {}, { authorization: `Bearer ${gw.adminKey}` });
  const { partner, apiKey } = created.createPartner as { partner: { id: string }; apiKey: string };
  const headers = (accountId?: string) => ({ authorization: `Bearer ${apiKey}`, ...(accountId ? { 'x-account-id': accountId } : {}) });
  const clientSecret = 'bench-secret-0123456789abcdef';
  await sandbox.call('registerApp', { clientId, clientSecret, redirectUri: `${gw.url}/connector/callback` });
  // A second app on the same Jobber account gives the direct phase its own grant (same data, own token).
  await sandbox.call('registerApp', { clientId: `${clientId}-direct`, clientSecret, redirectUri: 'http://127.0.0.1/unused' });
  await graphql(gw.url, 'mutation($i: ConnectorSettingsInput!) { updateConnectorSettings(input: $i) { clientId } }', { i: { clientId, clientSecret } }, headers());
  const install = await graphql(gw.url, 'mutation($i: InstallConnectorInput!) { installConnector(input: $i) { consentUrl } }', { i: { accountId: 'bench-main' } }, headers());
  const [account] = await sandbox.call<{ id: string }[]>('createAccounts', ['Bench Lawn Care']);
  const { location } = await approveConsent((install.installConnector as { consentUrl: string }).consentUrl, { accountId: account!.id });
  const callback = await fetch(location, { redirect: 'manual' });
  if (callback.status >= 400) throw new Error(`install callback answered ${callback.status}: ${await callback.text()}`);
  const [direct] = await sandbox.call<{ access_token: string }[]>('issueTokens', { clientId: `${clientId}-direct`, accountIds: [account!.id] });
  return { partnerId: partner.id, clientId, directToken: direct!.access_token, headers };
}

/** `count` more accounts, installed the quick way: sandbox tokens written straight to the token store. */
export async function installMany(sandbox: SandboxChild, gateway: BenchChild<GatewayReady>, partner: BenchPartner, count: number): Promise<void> {
  const batch = 200;
  for (let start = 0; start < count; start += batch) {
    const names = Array.from({ length: Math.min(batch, count - start) }, (_, k) => `Bench Account ${start + k}`);
    const accounts = await sandbox.call<{ id: string }[]>('createAccounts', names);
    const tokens = await sandbox.call<{ access_token: string; refresh_token: string }[]>('issueTokens', {
      clientId: partner.clientId,
      accountIds: accounts.map((a) => a.id),
    });
    await gateway.call('installTokens', {
      partnerId: partner.partnerId,
      accounts: tokens.map((t, k) => ({ accountId: `acct-${start + k}`, accessToken: t.access_token, refreshToken: t.refresh_token })),
    });
  }
}

export async function assertAnswers(target: LoadTarget): Promise<void> {
  const shaped = target.requestFor?.(0);
  const response = shaped
    ? await fetch(new URL(shaped.path, target.url), { method: shaped.method, headers: shaped.headers, ...(shaped.body === undefined ? {} : { body: shaped.body }) })
    : await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers, ...target.headersFor?.(0) },
        body: target.body(0),
      });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`${target.url} answered ${response.status}: ${text.slice(0, 300)}`);
}

export async function graphql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`${query.slice(0, 40)}… failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The gateway's gateway_fast_path_total counts by outcome, from its /metrics. */
export async function fastPathCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^gateway_fast_path_total\{outcome="([^"]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}
