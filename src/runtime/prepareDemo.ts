import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayApp } from '../app';
import { EXPLORER_LINK_TEXT } from '../connector/buildCallbackResponse';
import { JOBBER_TAB_OPERATION } from '../http/explorerPage';
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
}): Promise<{ banner: string; apiKey: string; accountId: string; consentUrl: string }> {
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

  const explorerUrl = `${publicUrl}/graphql`;
  const banner = buildDemoBanner({ apiKey: identity.apiKey, accountId: DEMO_ACCOUNT_ID, consentUrl, explorerUrl, sandboxUrl: sandbox.url, identityPath });
  return { banner, apiKey: identity.apiKey, accountId: DEMO_ACCOUNT_ID, consentUrl };
}

/**
 * What `npm run demo` prints: three numbered steps that need nothing edited or copied but one link,
 * then the same query for a shell and where things are. Pure.
 */
export function buildDemoBanner(demo: {
  apiKey: string;
  accountId: string;
  consentUrl: string;
  explorerUrl: string;
  sandboxUrl: string;
  identityPath: string;
}): string {
  const query = '{ account { id name } clients(first: 5) { nodes { id name } } }';
  return [
    '',
    'jobber-gateway demo is running: a Jobber sandbox, the gateway and its embedded store, all on this machine.',
    '',
    '1. Open this install link and press "Allow access" (it works once, for 10 minutes; restart the demo for a new one):',
    `     ${demo.consentUrl}`,
    `2. On the success page, follow "${EXPLORER_LINK_TEXT}" (or open ${demo.explorerUrl}).`,
    `3. In the explorer, press Run on the ${JOBBER_TAB_OPERATION} tab: the account you approved answers from Jobber.`,
    "   The explorer's headers already hold the demo partner's API key and account; nothing to copy.",
    '',
    'The same query from a shell:',
    `  curl -s ${demo.explorerUrl} -H 'content-type: application/json' \\`,
    `    -H 'authorization: Bearer ${demo.apiKey}' -H 'x-account-id: ${demo.accountId}' \\`,
    `    -d '{"query":"${query}"}'`,
    '',
    `Partner API key: ${demo.apiKey} (kept in ${demo.identityPath})`,
    `Jobber sandbox:  ${demo.sandboxUrl} (control API under /__sandbox)`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}
