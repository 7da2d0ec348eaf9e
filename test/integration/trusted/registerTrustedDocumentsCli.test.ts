import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestPartner, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { apolloBody, sha256, urqlBody } from './support/persistedClients';

const REPO_ROOT = resolve(__dirname, '../../..');

/** `npm run documents:register -- …` as an operator runs it (the script under node with tsx, as npm's tsx does). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--require', 'tsx/cjs', 'scripts/registerTrustedDocuments.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run documents:register', () => {
  let gateway: TestGateway;
  let partner: TestPartner;
  let dir: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    partner = await createTestPartner(gateway);
    dir = mkdtempSync(join(tmpdir(), 'trusted-manifests-'));
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await gateway.close();
  });

  const policy = async () =>
    (await postGraphql(gateway.url, { query: '{ trustedDocumentsPolicy { trustedDocumentsOnly documentCount } trustedDocuments(first: 100) { nodes { sha256Hash name } } }' }, partner.headers())).body.data as {
      trustedDocumentsPolicy: { trustedDocumentsOnly: boolean; documentCount: number };
      trustedDocuments: { nodes: { sha256Hash: string; name: string | null }[] };
    };

  test("when given Apollo's manifest and then Codegen's persisted documents, then every document is registered and the switch follows --only; the key is never printed", async () => {
    const apolloOps = ['query Account { account { id name } }', 'query Clients($n: Int!) { clients(first: $n) { nodes { id } } }'].map((q) => apolloBody(q));
    const apolloManifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: apolloOps.map((body, i) => ({ id: sha256(body), body, name: ['Account', 'Clients'][i], type: 'query' })),
    };
    const codegen = Object.fromEntries(['query Jobs { jobs(first: 1) { nodes { id } } }'].map((q) => urqlBody(q)).map((body) => [sha256(body), body]));
    writeFileSync(join(dir, 'persisted-query-manifest.json'), JSON.stringify(apolloManifest));
    writeFileSync(join(dir, 'persisted-documents.json'), JSON.stringify(codegen));

    const first = await runCli(['--file', join(dir, 'persisted-query-manifest.json'), '--url', gateway.url, '--only', 'on'], { JOBBER_GATEWAY_API_KEY: partner.apiKey });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/registered 2 documents .*\(apollo format, 1 call\); the partner holds 2 of 1000; account sessions run trusted documents only: on/);
    const second = await runCli(['--file', join(dir, 'persisted-documents.json'), '--url', gateway.url, '--key', partner.apiKey], {});
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/registered 1 documents .*\(codegen format, 1 call\); the partner holds 3 of 1000; account sessions run trusted documents only: on/);
    expect(first.stdout + second.stdout).not.toContain(partner.apiKey);

    const seen = await policy();
    expect(seen.trustedDocumentsPolicy).toEqual({ trustedDocumentsOnly: true, documentCount: 3 });
    expect(seen.trustedDocuments.nodes.map((n) => n.sha256Hash).sort()).toEqual([...apolloOps.map(sha256), ...Object.keys(codegen)].sort());
    expect(seen.trustedDocuments.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(['Account', 'Clients', 'Jobs']));
  }, 120_000);

  test('when the manifest is not one of the formats or holds an invalid document, then it exits 1 saying what is wrong, and nothing is registered', async () => {
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ format: 'relay', version: 1, operations: [] }));
    const wrongFormat = await runCli(['--file', join(dir, 'relay.json'), '--url', gateway.url], { JOBBER_GATEWAY_API_KEY: partner.apiKey });
    expect([wrongFormat.code, wrongFormat.stderr.trim()]).toEqual([1, expect.stringMatching(/relay\.json: format must be "apollo-persisted-query-manifest"/)]);

    const bad = 'query Typo { account { idd } }';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ [sha256(bad)]: bad }));
    const invalid = await runCli(['--file', join(dir, 'bad.json'), '--url', gateway.url], { JOBBER_GATEWAY_API_KEY: partner.apiKey });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/BAD_USER_INPUT: 1 of 1 documents cannot be registered; nothing was registered\. documents\[0\] \(Typo\): .*Cannot query field "idd"/);
    expect((await policy()).trustedDocumentsPolicy.documentCount).toBe(3);

    const noKey = await runCli(['--file', join(dir, 'bad.json'), '--url', gateway.url], { JOBBER_GATEWAY_API_KEY: '' });
    expect([noKey.code, noKey.stderr.trim()]).toEqual([1, expect.stringMatching(/partner's API key/)]);
  }, 120_000);
});
