import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayApp } from '../app';
import type { Sandbox } from '../sandbox/sandbox';

const DEMO_CLIENT_ID = 'demo-partner-app';
const DEMO_ACCOUNT_ID = 'demo-customer-1';

interface DemoIdentity {
  partnerId: string;
  apiKey: string;
}

/**
 * Makes `npm run demo` useful with no configuration: a demo partner (kept in DATA_DIR so its key
 * survives restarts; a local demo only), a sandbox app registered with the gateway's callback, the
 * partner's connector settings holding that app's credentials, and a ready install link.
 */
export async function prepareDemo(options: {
  app: GatewayApp;
  sandbox: Sandbox;
  publicUrl: string;
  dataDir: string;
}): Promise<{ banner: string; apiKey: string; consentUrl: string }> {
  const { app, sandbox, publicUrl, dataDir } = options;
  const identityPath = join(dataDir, 'demo-partner.json');
  let identity: DemoIdentity | undefined;
  try {
    identity = JSON.parse(await readFile(identityPath, 'utf8')) as DemoIdentity;
    if (!(await app.services.partners.get(identity.partnerId))) identity = undefined;
  } catch {
    identity = undefined;
  }
  if (!identity) {
    const created = await app.services.partners.createPartner('Demo partner');
    identity = { partnerId: created.partner.id, apiKey: created.apiKey };
    await mkdir(dataDir, { recursive: true });
    await writeFile(identityPath, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
  }
  // The sandbox forgets its apps on restart; register the app again with a fresh secret each run.
  const clientSecret = randomBytes(24).toString('base64url');
  const callbackUrl = `${publicUrl}/connector/callback`;
  sandbox.control.registerApp({ clientId: DEMO_CLIENT_ID, clientSecret, redirectUri: callbackUrl, name: 'Demo partner app' });
  await app.services.connector.updateSettings(identity.partnerId, {
    clientId: DEMO_CLIENT_ID,
    clientSecret,
    returnUrlOrigins: [publicUrl],
  });
  const { consentUrl } = await app.services.connector.install(identity.partnerId, { accountId: DEMO_ACCOUNT_ID });

  const banner = [
    '',
    'jobber-gateway demo is running (Jobber sandbox + gateway + embedded store).',
    '',
    `  Explorer:        ${publicUrl}/graphql`,
    `  Partner API key: ${identity.apiKey}`,
    `  Install link:    ${consentUrl}`,
    `  Jobber sandbox:  ${sandbox.url}`,
    '',
    `1. Open the install link, pick or name a Jobber account, press "Allow access".`,
    `2. Open the explorer; in Headers put:`,
    `     { "Authorization": "Bearer ${identity.apiKey}", "X-Account-Id": "${DEMO_ACCOUNT_ID}" }`,
    `3. Run: { account { id name } clients(first: 5) { nodes { id name } } }`,
    '',
    'Or from a shell:',
    `  curl -s ${publicUrl}/graphql -H 'content-type: application/json' \\`,
    `    -H 'authorization: Bearer ${identity.apiKey}' -H 'x-account-id: ${DEMO_ACCOUNT_ID}' \\`,
    `    -d '{"query":"{ account { id name } clients(first: 5) { nodes { id name } } }"}'`,
    '',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
  return { banner, apiKey: identity.apiKey, consentUrl };
}
