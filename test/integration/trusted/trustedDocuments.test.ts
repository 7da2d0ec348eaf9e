import { shapePersistedApolloRequest } from '../../../bench/clientShapes';
import { readFastPathCount } from '../fastpath/support/readFastPathCount';
import { startTwinGateways, type TwinGateways } from '../fastpath/support/startTwinGateways';
import { createTestPartner, installAccount, postGraphql, type GraphqlAnswer, type TestGateway, type TestPartner } from '../../support/testGateway';
import { apolloBody, createPersistedClient, sha256, urqlBody } from './support/persistedClients';

const ACCOUNT = 'query Account { account { id name } }';
const CLIENTS = 'query Clients($n: Int!) { clients(first: $n) { nodes { id name } totalCount } }';
const JOBS = 'query Jobs { jobs(first: 2) { nodes { id } } }';
const LOCAL = 'query Mine { connectorInstallation(accountId: "north") { status } }';
const REGISTER = 'mutation Register($documents: [TrustedDocumentInput!]!) { registerTrustedDocuments(documents: $documents) { sha256Hash name registeredAt } }';
const SWITCH = 'mutation Only($enabled: Boolean!) { setTrustedDocumentsOnly(enabled: $enabled) { trustedDocumentsOnly documentCount maxDocuments maxDocumentBytes } }';
const MAX_DOCUMENTS = 8;
const MAX_BYTES = 4096;

/** A GraphQL request as any client may send it; `accept` defaults to Apollo Client 4's. */
async function send(gateway: TestGateway, body: Record<string, unknown>, headers: Record<string, string>, accept = 'application/graphql-response+json,application/json;q=0.9'): Promise<GraphqlAnswer & { cacheControl: string | null; contentType: string | null }> {
  const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as GraphqlAnswer['body'], text, cacheControl: response.headers.get('cache-control'), contentType: response.headers.get('content-type') };
}

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const codeOf = (answer: GraphqlAnswer) => answer.body.errors?.[0]?.extensions?.code;

/**
 * Issue 13, item 5: a partner registers the operations its frontend uses; when it turns "trusted documents
 * only" on, its account sessions run those only, by hash (as Apollo Client's and urql's persisted-query
 * links send them) or as their exact text. Two gateways over one store: one with the fast path (the subject),
 * one stitching only (Apollo answers everything), so both paths are held to the same rules. The tests run
 * in order: the switch is turned on, then off.
 */
describe('trusted documents for account sessions', () => {
  let twins: TwinGateways;
  let gateway: TestGateway;
  let partner: TestPartner;
  let session: Record<string, string>;
  let jobberAccountId: string;

  const jobberCalls = () => gateway.sandbox.control.counters().graphqlCallsByAccount[jobberAccountId] ?? 0;
  const asPartner = (query: string, variables?: Record<string, unknown>) => postGraphql(gateway.url, { query, ...(variables ? { variables } : {}) }, partner.headers());
  const setOnly = async (enabled: boolean) => {
    const answer = await asPartner(SWITCH, { enabled });
    expect(answer.body.data?.setTrustedDocumentsOnly).toMatchObject({ trustedDocumentsOnly: enabled });
  };

  beforeAll(async () => {
    twins = await startTwinGateways({ trustedDocumentsMax: MAX_DOCUMENTS, trustedDocumentMaxBytes: MAX_BYTES });
    gateway = twins.fast;
    gateway.sandbox.control.setBucket({ maximumAvailable: 1e9, restoreRate: 1e9 });
    partner = await createTestPartner(gateway);
    expect((await installAccount(gateway, partner, 'north', { accountName: 'North Lawn Care' })).callbackStatus).toBe(200);
    const installation = await asPartner('{ connectorInstallation(accountId: "north") { jobberAccountId } }');
    jobberAccountId = (installation.body.data?.connectorInstallation as { jobberAccountId: string }).jobberAccountId;
    const created = await asPartner('mutation { createAccountSession(accountId: "north", ttlSeconds: 900) { token } }');
    session = { authorization: `Bearer ${(created.body.data?.createAccountSession as { token: string }).token}` };
  }, 60_000);
  afterAll(() => twins.close());

  test('when the switch is off, then a session runs any operation, and an APQ client registers its text by itself (hash, PersistedQueryNotFound, hash with text, then the hash alone)', async () => {
    expect((await send(gateway, { query: JOBS }, session)).body.data).toEqual({ jobs: { nodes: expect.any(Array) } });
    const client = createPersistedClient('apollo', `${gateway.url}/graphql`, session);
    const first = await client.run(JOBS);
    expect(first.data).toEqual({ jobs: { nodes: expect.any(Array), __typename: 'JobConnection' } });
    expect(first.exchanges.map((e) => [e.sent.query === undefined ? 'hash' : 'text', e.body.errors?.[0]?.message ?? 'data'])).toEqual([
      ['hash', 'PersistedQueryNotFound'],
      ['text', 'data'],
    ]);
    const second = await client.run(JOBS);
    expect(second.exchanges.map((e) => [e.sent.query === undefined ? 'hash' : 'text', e.status])).toEqual([['hash', 200]]);
    expect(second.data).toEqual(first.data);
  });

  test('when documents are registered, then each is stored under the SHA-256 of its text, listed, and registering again changes nothing', async () => {
    const documents = [
      { body: apolloBody(ACCOUNT), name: 'Account (Apollo)' },
      { body: apolloBody(CLIENTS), sha256Hash: sha256(apolloBody(CLIENTS)) },
      { body: urqlBody(CLIENTS) },
      { body: ACCOUNT },
      { body: LOCAL },
    ];
    const registered = await asPartner(REGISTER, { documents });
    expect(registered.body.errors).toBeUndefined();
    const nodes = registered.body.data?.registerTrustedDocuments as { sha256Hash: string; name: string | null; registeredAt: string }[];
    expect(nodes.map((n) => n.sha256Hash)).toEqual(documents.map((d) => sha256(d.body)));
    expect(nodes.map((n) => n.name)).toEqual(['Account (Apollo)', 'Clients', 'Clients', 'Account', 'Mine']);
    const again = await asPartner(REGISTER, { documents: [{ body: ACCOUNT, name: 'renamed' }] });
    expect(again.body.data?.registerTrustedDocuments).toEqual([nodes[3]]);

    const page1 = await asPartner('{ trustedDocuments(first: 3) { nodes { sha256Hash body } pageInfo { hasNextPage endCursor } totalCount } }');
    const first = page1.body.data?.trustedDocuments as { nodes: { sha256Hash: string; body: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string }; totalCount: number };
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const page2 = await asPartner('query($after: String) { trustedDocuments(first: 3, after: $after) { nodes { sha256Hash } pageInfo { hasNextPage } } }', { after: first.pageInfo.endCursor });
    const second = page2.body.data?.trustedDocuments as { nodes: { sha256Hash: string }[]; pageInfo: { hasNextPage: boolean } };
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(new Set([...first.nodes, ...second.nodes].map((n) => n.sha256Hash))).toEqual(new Set(documents.map((d) => sha256(d.body))));
    for (const node of first.nodes) expect(sha256(node.body)).toBe(node.sha256Hash);
  });

  test('when the switch is turned on, then a session runs a registered operation by hash with Apollo Client and with urql, on the fast path', async () => {
    await setOnly(true);
    for (const name of ['apollo', 'urql'] as const) {
      const forwardedBefore = await readFastPathCount(gateway, 'forwarded');
      const run = await createPersistedClient(name, `${gateway.url}/graphql`, session).run(CLIENTS, { n: 2 });
      expect(run.codes).toEqual([]);
      expect(run.data).toMatchObject({ clients: { nodes: expect.any(Array), totalCount: expect.any(Number) } });
      // One exchange, with the hash only: urql's as GET (its default for hashed queries), Apollo's as POST.
      expect(run.exchanges).toHaveLength(1);
      expect(run.exchanges[0]!.method).toBe(name === 'urql' ? 'GET' : 'POST');
      expect(run.exchanges[0]!.sent.query).toBeUndefined();
      expect(run.exchanges[0]!.sent.extensions?.persistedQuery?.sha256Hash).toBe(sha256(name === 'urql' ? urqlBody(CLIENTS) : apolloBody(CLIENTS)));
      expect((await readFastPathCount(gateway, 'forwarded')) - forwardedBefore).toBe(1);
      if (name === 'apollo') {
        // The bench sends this shape ("as Apollo Client, persisted"): the same body layout as the library's.
        const shaped = JSON.parse(shapePersistedApolloRequest('/graphql', {}, { sha256Hash: 'h', operationName: 'Clients', variables: { n: 2 } }).body!) as Record<string, Record<string, unknown>>;
        const sent = run.exchanges[0]!.sent as Record<string, Record<string, unknown>>;
        expect(Object.keys(sent)).toEqual(Object.keys(shaped));
        expect(Object.keys(sent.extensions!)).toEqual(Object.keys(shaped.extensions!));
        expect(sent.extensions!.clientLibrary).toEqual(shaped.extensions!.clientLibrary);
      }
    }
  });

  test('when the switch is on, then a session may send the exact registered text, but any other text is refused with 403 OPERATION_NOT_TRUSTED before Jobber is called', async () => {
    expect((await send(gateway, { query: ACCOUNT }, session)).body.data).toEqual({ account: { id: expect.any(String), name: 'North Lawn Care' } });
    const calls = jobberCalls();
    for (const query of [JOBS, `${ACCOUNT} `, '{ account { id name } }']) {
      const refused = await send(gateway, { query }, session);
      expect(refused.status).toBe(403);
      expect(codeOf(refused)).toBe('OPERATION_NOT_TRUSTED');
      expect(refused.body.data).toBeUndefined();
    }
    expect(jobberCalls()).toBe(calls);
  });

  test("when the switch is on and a client sends an unknown hash, then it is refused at once (no retry with the text), and a retry with the text is refused too", async () => {
    for (const name of ['apollo', 'urql'] as const) {
      const run = await createPersistedClient(name, `${gateway.url}/graphql`, session).run('query Unlisted { clients(first: 1) { totalCount } }');
      expect(run.codes).toEqual(['OPERATION_NOT_TRUSTED']);
      expect(run.exchanges.map((e) => [e.sent.query === undefined ? 'hash' : 'text', e.status])).toEqual([['hash', 403]]);
    }
    // What an APQ client sends after PersistedQueryNotFound: the hash with its text.
    const retry = await send(gateway, { query: JOBS, extensions: persisted(sha256(JOBS)) }, session);
    expect([retry.status, codeOf(retry)]).toEqual([403, 'OPERATION_NOT_TRUSTED']);
    // The text that APQ remembered while the switch was off does not count as registered.
    const remembered = await send(gateway, { extensions: persisted(sha256(apolloBody(JOBS))) }, session);
    expect([remembered.status, codeOf(remembered)]).toEqual([403, 'OPERATION_NOT_TRUSTED']);
  });

  test('when the switch is on, then the partner key is not restricted, and may send registered hashes (served on the fast path)', async () => {
    expect((await send(gateway, { query: JOBS }, partner.headers('north'))).body.data).toEqual({ jobs: { nodes: expect.any(Array) } });
    const forwardedBefore = await readFastPathCount(gateway, 'forwarded');
    const byHash = await send(gateway, { extensions: persisted(sha256(ACCOUNT)) }, partner.headers('north'));
    expect(byHash.body.data).toEqual({ account: { id: expect.any(String), name: 'North Lawn Care' } });
    expect((await readFastPathCount(gateway, 'forwarded')) - forwardedBefore).toBe(1);
  });

  test('when a session reaches Apollo (an Accept the fast path leaves to it, a local operation, or the stitching gateway), then the same rules hold there', async () => {
    // An Accept that takes neither JSON type goes to Apollo untouched (it serves @defer there): refused all the same.
    const handedOffBefore = await readFastPathCount(gateway, 'handed_off');
    const handedOff = await send(gateway, { query: JOBS }, session, 'multipart/mixed');
    expect([handedOff.status, codeOf(handedOff)]).toEqual([403, 'OPERATION_NOT_TRUSTED']);
    expect((await readFastPathCount(gateway, 'handed_off')) - handedOffBefore).toBe(1);
    // A local operation by hash: the fast path admits it, then hands it to Apollo, which admits it again.
    const local = await send(gateway, { extensions: persisted(sha256(LOCAL)) }, session);
    expect(local.body).toEqual({ data: { connectorInstallation: { status: 'INSTALLED' } } });
    const stitched = twins.stitched;
    expect((await send(stitched, { extensions: persisted(sha256(ACCOUNT)) }, session)).body.data).toEqual({ account: { id: expect.any(String), name: 'North Lawn Care' } });
    expect(codeOf(await send(stitched, { query: JOBS }, session))).toBe('OPERATION_NOT_TRUSTED');
  });

  test('when a persisted query is refused or not found, then the fast path answers exactly as Apollo does (status, media type, cache-control, body)', async () => {
    // Refusals carry Apollo's cache-control; answers that executed differ there already (Apollo's cache-control plugin, outside this issue).
    const cases: [string, Record<string, unknown>, Record<string, string>, boolean][] = [
      ['an unregistered text (session)', { query: JOBS }, session, true],
      ['an unknown hash (session)', { extensions: persisted('0'.repeat(64)) }, session, true],
      ['an unknown hash (partner key)', { extensions: persisted('0'.repeat(64)) }, partner.headers('north'), true],
      ['a text that does not match its hash', { query: ACCOUNT, extensions: persisted(sha256(JOBS)) }, partner.headers('north'), true],
      ['a registered hash (session)', { extensions: persisted(sha256(ACCOUNT)) }, session, false],
    ];
    for (const [label, body, headers, refused] of cases) {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const fast = await send(gateway, body, headers, accept);
        const apollo = await send(twins.stitched, body, headers, accept);
        expect({ label, status: fast.status, type: fast.contentType, cacheControl: refused ? fast.cacheControl : '-', body: fast.body }).toEqual({
          label,
          status: apollo.status,
          type: apollo.contentType,
          cacheControl: refused ? apollo.cacheControl : '-',
          body: apollo.body,
        });
      }
    }
    const notFound = await send(gateway, { extensions: persisted('0'.repeat(64)) }, partner.headers('north'));
    expect([notFound.status, notFound.body.errors?.[0]?.message, codeOf(notFound), notFound.cacheControl]).toEqual([200, 'PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 'private, no-cache, must-revalidate']);
    const mismatch = await send(gateway, { query: ACCOUNT, extensions: persisted(sha256(JOBS)) }, session);
    expect([mismatch.status, codeOf(mismatch)]).toEqual([400, 'BAD_REQUEST']);
    const version = await send(gateway, { query: ACCOUNT, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(ACCOUNT) } } }, session);
    expect([version.status, version.body.errors?.[0]?.message]).toEqual([400, 'Unsupported persisted query version']);
  });

  test('when the switch is turned off, then sessions run anything again', async () => {
    await setOnly(false);
    expect((await send(gateway, { query: JOBS }, session)).body.data).toEqual({ jobs: { nodes: expect.any(Array) } });
    expect((await send(twins.stitched, { query: JOBS }, session)).body.data).toEqual({ jobs: { nodes: expect.any(Array) } });
  });

  test('when an account session or the admin tries to manage trusted documents, then it is refused with FORBIDDEN', async () => {
    const admin = { authorization: `Bearer ${gateway.adminKey}` };
    for (const headers of [session, admin]) {
      for (const query of ['mutation { setTrustedDocumentsOnly(enabled: false) { trustedDocumentsOnly } }', '{ trustedDocuments { totalCount } }', 'mutation { registerTrustedDocuments(documents: [{ body: "{ account { id } }" }]) { sha256Hash } }']) {
        const answer = await send(gateway, { query }, headers);
        expect([codeOf(answer), answer.body.data]).toEqual(['FORBIDDEN', null]);
      }
    }
  });

  test('when a registration holds an invalid document, then nothing is registered and the error names each bad one', async () => {
    const before = (await asPartner('{ trustedDocumentsPolicy { documentCount } }')).body.data?.trustedDocumentsPolicy as { documentCount: number };
    const answer = await asPartner(REGISTER, {
      documents: [
        { body: 'query Fine { account { id } }' },
        { body: 'query Typo { account { idd } }' },
        { body: 'query Broken { account { id }' },
        { body: 'query Hashed { account { name } }', sha256Hash: sha256('something else') },
        { body: 'fragment F on Account { id }' },
        { body: `query Big { account { id ${'name '.repeat(900)} } }` },
      ],
    });
    expect(codeOf(answer)).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.message).toMatch(/^5 of 6 documents cannot be registered; nothing was registered\. documents\[1\] \(Typo\)/);
    const invalid = answer.body.errors?.[0]?.extensions?.invalidDocuments as { index: number; message: string }[];
    expect(invalid.map((entry) => entry.index)).toEqual([1, 2, 3, 4, 5]);
    expect(invalid[0]!.message).toMatch(/Cannot query field "idd" on type "Account"/);
    expect(invalid[1]!.message).toMatch(/does not parse/);
    expect(invalid[2]!.message).toMatch(/not the SHA-256 of body/);
    expect(invalid[3]!.message).toMatch(/no operation|not valid/);
    expect(invalid[4]!.message).toMatch(new RegExp(`at most ${MAX_BYTES} are accepted`));
    const after = (await asPartner('{ trustedDocumentsPolicy { documentCount } }')).body.data?.trustedDocumentsPolicy as { documentCount: number };
    expect(after.documentCount).toBe(before.documentCount);
  });

  test('when a partner would hold more than the maximum, then the registration is refused whole; removing makes room', async () => {
    const policy = (await asPartner('{ trustedDocumentsPolicy { documentCount maxDocuments } }')).body.data?.trustedDocumentsPolicy as { documentCount: number; maxDocuments: number };
    expect(policy.maxDocuments).toBe(MAX_DOCUMENTS);
    const room = MAX_DOCUMENTS - policy.documentCount;
    const extra = Array.from({ length: room + 1 }, (_, i) => ({ body: `query Extra${i} { clients(first: ${i + 1}) { totalCount } }` }));
    const refused = await asPartner(REGISTER, { documents: extra });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.extensions?.maximumDocuments).toBe(MAX_DOCUMENTS);
    const count = async () => ((await asPartner('{ trustedDocumentsPolicy { documentCount } }')).body.data?.trustedDocumentsPolicy as { documentCount: number }).documentCount;
    expect(await count()).toBe(policy.documentCount);
    const removed = await asPartner('mutation($hashes: [String!]!) { removeTrustedDocuments(hashes: $hashes) }', { hashes: [sha256(JOBS), sha256(ACCOUNT)] });
    expect(removed.body.data?.removeTrustedDocuments).toBe(1);
    expect((await asPartner(REGISTER, { documents: extra.slice(0, room + 1) })).body.errors).toBeUndefined();
    expect(await count()).toBe(MAX_DOCUMENTS);
  });

  test('when a registered document is removed, then a session with the switch on is refused it at once in this process and in the other', async () => {
    await setOnly(true);
    const hash = sha256(apolloBody(ACCOUNT));
    for (const target of [gateway, twins.stitched]) expect((await send(target, { extensions: persisted(hash) }, session)).status).toBe(200);
    await asPartner('mutation($hashes: [String!]!) { removeTrustedDocuments(hashes: $hashes) }', { hashes: [hash] });
    // The other gateway learns it through the invalidation channel (the store's pub/sub): within a moment.
    const deadline = Date.now() + 2000;
    for (const target of [gateway, twins.stitched]) {
      for (;;) {
        const answer = await send(target, { extensions: persisted(hash) }, session);
        if (answer.status === 403) break;
        if (Date.now() > deadline) throw new Error(`still served: ${answer.text}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await setOnly(false);
  });

  test('then no key or session token reached the logs', () => {
    const logs = [...gateway.logs, ...twins.stitched.logs].join('\n');
    expect(logs).not.toContain(partner.apiKey);
    expect(logs).not.toContain(session.authorization!.slice('Bearer '.length));
  });
});
