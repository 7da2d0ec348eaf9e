/**
 * The demo tour in a real browser (issue 13 item 6, issue 14): Debian's Chromium, driven by
 * playwright-core, against `src/main.ts demo` started as `npm run demo` starts it (free ports, a
 * temporary DATA_DIR), with the install link read from the banner it prints. The newcomer's path
 * types no header: install link → "Allow access" → success page → its link → the Jobber tab → Run.
 * Then a partner's path: installConnector in the explorer, its consent URL, an account session and
 * a Jobber query with the session token in the explorer's headers.
 *
 * A screenshot of every step is kept in test-artifacts/demo-tour/ (ignored by git). The tests of this
 * file are steps of one tour and run in order. It runs in the storm phase (jest.storm.config.js), one
 * file at a time: Chromium and the demo would otherwise compete with the main run's two workers.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EXPLORER_LINK_TEXT } from '../../src/connector/buildCallbackResponse';
import { JOBBER_TAB_OPERATION } from '../../src/http/explorerPage';
import { findFreePort, startGatewayProcess, type GatewayProcess } from '../support/gatewayProcess';
import { waitFor } from '../support/waitFor';
import { browserSkipReason, createScreenshots, launchChromium } from './support/chromium';
import { createExplorer, type Explorer } from './support/explorer';

const ARTIFACTS = resolve(__dirname, '../../test-artifacts/demo-tour');
const skipReason = browserSkipReason();
if (skipReason) process.stderr.write(`The browser tour is skipped: ${skipReason}.\n`);

interface Banner {
  installLink: string;
  explorerUrl: string;
  apiKey: string;
}

/** The three numbered steps `npm run demo` prints, read the way a newcomer reads them. */
function readBanner(lines: readonly string[]): Banner | undefined {
  const text = lines.join('\n');
  const installLink = /^1\. .*install link.*\n\s+(http:\/\/\S+\/api\/oauth\/authorize\?\S+)$/m.exec(text)?.[1];
  const explorerUrl = /^2\. .*\(or open (http:\/\/\S+\/graphql)\)/m.exec(text)?.[1];
  const apiKey = /^Partner API key: (jgp_\S+)/m.exec(text)?.[1];
  return installLink && explorerUrl && apiKey && /^3\. /m.test(text) ? { installLink, explorerUrl, apiKey } : undefined;
}

(skipReason ? describe.skip : describe)(`the demo tour in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let dataDir: string | undefined;
  let demo: GatewayProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let explorer: Explorer;
  let banner: Banner;
  const shots = createScreenshots(ARTIFACTS);
  let sessionToken = '';

  beforeAll(async () => {
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'jg-demo-tour-'));
    const [port, sandboxPort] = [await findFreePort(), await findFreePort()];
    demo = await startGatewayProcess({
      args: ['demo'],
      env: { PORT: String(port), SANDBOX_PORT: String(sandboxPort), DATA_DIR: dataDir, PUBLIC_URL: undefined, JOBBER_API_VERSION: undefined },
    });
    banner = await waitFor(() => readBanner(demo!.output()), 'the demo banner with its three steps', 60_000);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Pasting into the explorer's editors goes through the clipboard, as a user's paste would.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(banner.explorerUrl).origin });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    explorer = createExplorer(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await demo?.stop();
    if (demo) await writeFile(join(ARTIFACTS, 'demo-output.log'), demo.output().join('\n') + '\n').catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('when the banner is printed, then it is three numbered steps whose links need no editing', () => {
    expect(banner.installLink).toContain('/api/oauth/authorize?');
    expect(new URL(banner.installLink).searchParams.get('redirect_uri')).toBe(new URL('/connector/callback', banner.explorerUrl).toString());
  });

  test('when a newcomer opens the install link and presses "Allow access", then the success page links to the explorer', async () => {
    await page.goto(banner.installLink);
    await page.getByRole('heading', { name: 'Jobber (sandbox)' }).waitFor();
    await shots.take(page, 'consent-page');
    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.waitForURL(/\/connector\/callback\?/);
    await page.getByRole('heading', { name: 'Jobber is connected' }).waitFor();
    await shots.take(page, 'success-page');
    await expect(page.locator('main').innerText()).resolves.toMatch(/"My Company" is complete[\s\S]*"demo-customer-1"/);
    expect(await page.getByRole('link', { name: EXPLORER_LINK_TEXT }).getAttribute('href')).toBe(banner.explorerUrl);
  });

  test("when they follow that link, pick the Jobber tab and press Run, then the approved account's data appears with no version warning", async () => {
    await page.getByRole('link', { name: EXPLORER_LINK_TEXT }).click();
    await page.waitForURL(banner.explorerUrl);
    await explorer.ready();
    // Nothing was typed: the headers are the demo partner's, filled in by the page.
    await explorer.headersEditor.getByText('demo-customer-1').waitFor();
    await expect(explorer.headersText()).resolves.toContain(`"Authorization": "Bearer ${banner.apiKey.slice(0, 12)}`);
    await shots.take(page, 'explorer-opened');

    await explorer.selectTab(JOBBER_TAB_OPERATION);
    const answer = await explorer.run(JOBBER_TAB_OPERATION);
    await explorer.waitForResult('My Company');
    await shots.take(page, 'jobber-answer');
    await explorer.scrollResultToEnd();
    await explorer.waitForResult('throttleStatus');
    await shots.take(page, 'jobber-answer-extensions');
    expect(await explorer.resultPane.getByText('versioning').count()).toBe(0);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.account).toEqual({ id: expect.any(String), name: 'My Company' });
    expect(answer.body.data?.clients.nodes).toHaveLength(5);
    expect(answer.body.extensions).toHaveProperty('cost');
    expect(answer.body.extensions).not.toHaveProperty('versioning');
    expect(JSON.stringify(answer.body)).not.toContain('warning');
  });

  test('when installConnector runs in the explorer and its consent URL is approved for a new account, then the success page names it', async () => {
    await explorer.newTab('mutation InstallSecond {\n  installConnector(input: { accountId: "demo-customer-2" }) { consentUrl }\n}\n');
    const answer = await explorer.run('InstallSecond');
    await explorer.waitForResult('consentUrl');
    await shots.take(page, 'install-connector');
    const consentUrl = answer.body.data?.installConnector.consentUrl as string;
    expect(consentUrl).toContain('/api/oauth/authorize?');

    await page.goto(consentUrl);
    await page.getByRole('combobox').selectOption({ label: 'New account (name below)' });
    await page.getByLabel('New account name').fill('Second Company');
    await shots.take(page, 'consent-new-account');
    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.getByRole('heading', { name: 'Jobber is connected' }).waitFor();
    await shots.take(page, 'success-second-account');
    await expect(page.locator('main').innerText()).resolves.toMatch(/"Second Company" is complete[\s\S]*"demo-customer-2"/);
  });

  test("when an account session's token replaces the explorer's headers, then a Jobber query answers that account's data", async () => {
    await page.goto(banner.explorerUrl);
    await explorer.ready();
    await explorer.newTab('mutation SecondSession {\n  createAccountSession(accountId: "demo-customer-2", ttlSeconds: 900) { token expiresAt }\n}\n');
    const created = await explorer.run('SecondSession');
    await explorer.waitForResult('expiresAt');
    await shots.take(page, 'create-account-session');
    sessionToken = created.body.data?.createAccountSession.token as string;
    expect(sessionToken).toMatch(/^jgs_/);

    await explorer.newTab('query AsTheSession {\n  account { id name }\n  clients(first: 3) { nodes { name } }\n}\n');
    await explorer.setHeaders(JSON.stringify({ Authorization: `Bearer ${sessionToken}` }, null, 2));
    const answer = await explorer.run('AsTheSession');
    await explorer.waitForResult('Second Company');
    await shots.take(page, 'session-token-query');
    expect(answer.authorization).toBe(`Bearer ${sessionToken}`);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.account.name).toBe('Second Company');
    expect(answer.body.data?.clients.nodes).toHaveLength(3);
  });

  test('when the tour is over, then the browser kept no key or token, and Persist headers stays off until the user turns it on', async () => {
    expect(sessionToken).toMatch(/^jgs_/); // the steps before ran
    const stored = await explorer.storage();
    expect(stored).toContain('JobberFirstLook'); // the tabs are stored, so this is the right storage
    expect(stored).not.toContain(banner.apiKey);
    expect(stored).not.toContain(sessionToken);

    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    await page.getByText('Persist headers').waitFor();
    await shots.take(page, 'settings-persist-headers-off');
    await page.locator('#disable-persist-headers.active').waitFor(); // GraphiQL marks the selected toggle "active"
    await page.locator('#enable-persist-headers').click();
    await waitFor(async () => (await explorer.storage()).includes(sessionToken), 'the headers to be persisted once asked');

    // The choice is remembered across a reload, and turning it off forgets the headers again.
    await page.reload();
    await explorer.ready();
    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    await page.locator('#enable-persist-headers.active').waitFor();
    await shots.take(page, 'settings-persist-headers-on-after-reload');
    await page.locator('#disable-persist-headers').click();
    await waitFor(async () => !(await explorer.storage()).includes(sessionToken), 'the persisted headers to be forgotten');
  });
});
