import { createHash } from 'node:crypto';
import type { Principal } from '../../../src/gateway/requestContext';
import { admitForApollo, createTrustedDocumentGate, type DocumentAdmission } from '../../../src/trusted/trustedDocumentGate';
import type { TrustedDocumentCache } from '../../../src/trusted/trustedDocumentCache';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const A = 'query A { account { id } }';
const OTHER = 'query Other { clients { totalCount } }';
const UNKNOWN = '0'.repeat(64);

const partner = (id: string): Principal => ({ kind: 'partner', partner: { id, name: id, createdAt: '2026-01-01T00:00:00.000Z', disabled: false }, keyId: 'k' });
const session = (partnerId: string): Principal => ({ kind: 'session', ref: { partnerId, accountId: 'north' } });

/** The cache as memory: p1 registered A; `only` per partner; every lookup counted. */
function memoryCache(only: Record<string, boolean>) {
  const lookups: string[] = [];
  const cache: Pick<TrustedDocumentCache, 'policy' | 'registeredText'> = {
    async policy(partnerId) {
      lookups.push(`policy ${partnerId}`);
      return { only: only[partnerId] ?? false, generation: 1 };
    },
    async registeredText(partnerId, hash) {
      lookups.push(`text ${partnerId}`);
      return partnerId === 'p1' && hash === sha(A) ? A : null;
    },
  };
  return { cache, lookups };
}

type Expected = { run: string } | { refuse: string; status: number };
const outcome = (admission: DocumentAdmission): Expected =>
  admission.kind === 'run'
    ? { run: admission.query }
    : { refuse: String(admission.error.extensions.code), status: (admission.error.extensions.http as { status: number }).status };

describe('trusted document gate: which text a request runs', () => {
  test.each<[string, Principal, boolean, string | null, string | null, Expected]>([
    ["a partner key's text", partner('p1'), true, OTHER, null, { run: OTHER }],
    ["a partner key's registered hash", partner('p1'), true, null, sha(A), { run: A }],
    ["a partner key's unknown hash", partner('p1'), true, null, UNKNOWN, { refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 }],
    ['a text that does not hash to its hash', partner('p1'), false, A, sha(OTHER), { refuse: 'BAD_REQUEST', status: 400 }],
    ['a text with its own hash (an APQ retry)', partner('p1'), false, OTHER, sha(OTHER), { run: OTHER }],
    ["a session's text, switch off", session('p1'), false, OTHER, null, { run: OTHER }],
    ["a session's unknown hash, switch off", session('p1'), false, null, UNKNOWN, { refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 }],
    ["a session's registered hash, switch off", session('p1'), false, null, sha(A), { run: A }],
    ["a session's registered text, switch on", session('p1'), true, A, null, { run: A }],
    ["a session's registered text with its hash, switch on", session('p1'), true, A, sha(A), { run: A }],
    ["a session's registered hash, switch on", session('p1'), true, null, sha(A), { run: A }],
    ["a session's other text, switch on", session('p1'), true, OTHER, null, { refuse: 'OPERATION_NOT_TRUSTED', status: 403 }],
    ["a session's other text with its hash, switch on", session('p1'), true, OTHER, sha(OTHER), { refuse: 'OPERATION_NOT_TRUSTED', status: 403 }],
    ["a session's unknown hash, switch on (refused, not 'not found': the text would be refused too)", session('p1'), true, null, UNKNOWN, { refuse: 'OPERATION_NOT_TRUSTED', status: 403 }],
    ["another partner's session sending p1's registered hash", session('p2'), false, null, sha(A), { refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 }],
    ["the admin's hash", { kind: 'admin' }, false, null, sha(A), { refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 }],
    ["an anonymous caller's text", { kind: 'anonymous' }, false, '{ __typename }', null, { run: '{ __typename }' }],
  ])('when %s, then the gate decides as the rules say', async (_label, principal, only, query, hash, expected) => {
    const { cache } = memoryCache({ p1: only, p2: only });
    expect(outcome(await createTrustedDocumentGate({ cache }).admit(principal, query, hash))).toEqual(expected);
  });

  test("when a partner key sends a text alone, then nothing is looked up (its backend's hot path)", async () => {
    const { cache, lookups } = memoryCache({});
    await createTrustedDocumentGate({ cache }).admit(partner('p1'), OTHER, null);
    expect(lookups).toEqual([]);
  });

  test('when a text was sent with its hash, then the hash alone runs it for the same partner only, and never counts as registered', async () => {
    const { cache } = memoryCache({ p1: false });
    const gate = createTrustedDocumentGate({ cache });
    expect(outcome(await gate.admit(partner('p1'), OTHER, sha(OTHER)))).toEqual({ run: OTHER });
    expect(outcome(await gate.admit(session('p1'), null, sha(OTHER)))).toEqual({ run: OTHER });
    expect(outcome(await gate.admit(partner('p2'), null, sha(OTHER)))).toEqual({ refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 });
    const enforced = createTrustedDocumentGate({ cache: memoryCache({ p1: true }).cache });
    expect(outcome(await enforced.admit(partner('p1'), OTHER, sha(OTHER)))).toEqual({ run: OTHER });
    expect(outcome(await enforced.admit(session('p1'), null, sha(OTHER)))).toEqual({ refuse: 'OPERATION_NOT_TRUSTED', status: 403 });
  });

  test('when a remembered text is longer than the bound, then it is not remembered', async () => {
    const gate = createTrustedDocumentGate({ cache: memoryCache({}).cache, apqMaxQueryLength: 10 });
    await gate.admit(partner('p1'), OTHER, sha(OTHER));
    expect(outcome(await gate.admit(partner('p1'), null, sha(OTHER)))).toEqual({ refuse: 'PERSISTED_QUERY_NOT_FOUND', status: 200 });
  });

  test("when Apollo's path admits a request, then it gets the text to run only when it differs, and malformed persisted queries are refused with 400", async () => {
    const gate = createTrustedDocumentGate({ cache: memoryCache({ p1: true }).cache });
    const ext = (hash: unknown, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash: hash } });
    expect(await admitForApollo(gate, session('p1'), { query: undefined, extensions: ext(sha(A)) })).toBe(A);
    expect(await admitForApollo(gate, session('p1'), { query: A, extensions: undefined })).toBeUndefined();
    expect(await admitForApollo(gate, partner('p1'), { query: undefined, extensions: undefined })).toBeUndefined();
    await expect(admitForApollo(gate, session('p1'), { query: OTHER, extensions: undefined })).rejects.toMatchObject({ extensions: { code: 'OPERATION_NOT_TRUSTED' } });
    await expect(admitForApollo(gate, partner('p1'), { query: A, extensions: ext(sha(A), 2) })).rejects.toMatchObject({ message: 'Unsupported persisted query version', extensions: { http: { status: 400 } } });
    await expect(admitForApollo(gate, partner('p1'), { query: A, extensions: ext('abc') })).rejects.toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });
});
