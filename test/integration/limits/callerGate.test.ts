import { createAccountSessions } from '../../../src/auth/accountSessions';
import { createPartnerRegistry } from '../../../src/auth/partnerRegistry';
import type { PrincipalSources } from '../../../src/auth/resolvePrincipal';
import { isGatewayError } from '../../../src/errors/gatewayError';
import { createCallerGate, type CallerGate } from '../../../src/limits/callerGate';
import type { BucketRate } from '../../../src/limits/tokenBucket';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';

/** A clock the test moves by hand (the budgets refill with time). */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** The real store, with every command this process sends counted while `counting` is on. */
function countingStore(inner: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

async function refusal(admitted: Promise<unknown>): Promise<{ code: string; extensions: Record<string, unknown> }> {
  try {
    await admitted;
  } catch (error) {
    if (isGatewayError(error)) return { code: error.code, extensions: error.extensions };
    throw error;
  }
  throw new Error('admitted');
}

describe('callerGate: request budgets and unauthenticated bounds', () => {
  let redis: Store;
  let counted: ReturnType<typeof countingStore>;
  let principals: PrincipalSources;
  let keyA: string;
  let keyB: string;
  let partnerA: string;
  let sessionA: string;
  const clock = manualClock();
  const ADMIN = 'admin-key-of-the-operator-0123456789';

  beforeAll(async () => {
    redis = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('gate') });
    counted = countingStore(redis);
    const partners = createPartnerRegistry({ store: counted.store, clock, recheckMs: 60_000 });
    const sessions = createAccountSessions({ store: counted.store, clock, getInstallationStatus: async () => 'INSTALLED', getPartner: async () => ({ disabled: false }) });
    principals = { adminApiKey: ADMIN, partners, sessions };
    const a = await partners.createPartner('A');
    const b = await partners.createPartner('B');
    keyA = a.apiKey;
    keyB = b.apiKey;
    partnerA = a.partner.id;
    sessionA = (await sessions.create({ partnerId: partnerA, accountId: 'north' }, 3600)).token;
  });
  afterAll(() => redis.close());

  const gate = (perPartner: BucketRate | null, perClient: BucketRate | null): CallerGate => createCallerGate({ principals, clock, perPartner, perClient });
  const asKey = (key: string, clientAddress = '198.51.100.1') => ({ authorization: `Bearer ${key}`, accountIdHeader: undefined, clientAddress });
  const anonymous = (clientAddress = '198.51.100.1') => ({ authorization: undefined, accountIdHeader: undefined, clientAddress });

  test('when a partner sends its burst and one more at once, then the extra one is RATE_LIMITED with the wait, and passes once the bucket refilled', async () => {
    const callers = gate({ perSecond: 10, burst: 3 }, null);
    for (let i = 0; i < 3; i++) expect((await callers.admit(asKey(keyA))).kind).toBe('partner');
    expect(await refusal(callers.admit(asKey(keyA)))).toEqual({
      code: 'RATE_LIMITED',
      extensions: { code: 'RATE_LIMITED', retryAfterMs: 100, limit: 'partnerRequestsPerSecond', maximum: 10, http: { status: 429 } },
    });
    clock.advance(100);
    expect((await callers.admit(asKey(keyA))).kind).toBe('partner');
  });

  test("when a partner's account session and its API key both call, then they share the partner's budget, and another partner keeps its own", async () => {
    const callers = gate({ perSecond: 1, burst: 2 }, null);
    expect((await callers.admit(asKey(keyA))).kind).toBe('partner');
    expect((await callers.admit(asKey(sessionA))).kind).toBe('session');
    expect((await refusal(callers.admit(asKey(sessionA)))).code).toBe('RATE_LIMITED');
    expect((await refusal(callers.admit(asKey(keyA)))).code).toBe('RATE_LIMITED');
    expect((await callers.admit(asKey(keyB))).kind).toBe('partner');
    expect((await callers.admit(asKey(keyB))).kind).toBe('partner');
  });

  test('when the same request is admitted twice (the fast path hands it to Apollo), then the partner is charged once', async () => {
    const callers = gate({ perSecond: 1, burst: 1 }, null);
    const request = asKey(keyB);
    const apolloRequest = {};
    expect((await callers.admit(request)).kind).toBe('partner');
    callers.carryOver(request, apolloRequest);
    expect((await callers.admit(asKey(keyB), apolloRequest)).kind).toBe('partner');
    expect((await refusal(callers.admit(asKey(keyB)))).code).toBe('RATE_LIMITED');
  });

  test('when the admin calls, then no budget applies', async () => {
    const callers = gate({ perSecond: 1, burst: 1 }, { perSecond: 1, burst: 1 });
    for (let i = 0; i < 5; i++) expect((await callers.admit(asKey(ADMIN))).kind).toBe('admin');
  });

  test('when one address sends more anonymous requests than its burst, then the extra one is RATE_LIMITED, while another address is not', async () => {
    const callers = gate(null, { perSecond: 0.5, burst: 2 });
    expect((await callers.admit(anonymous())).kind).toBe('anonymous');
    expect((await callers.admit(anonymous())).kind).toBe('anonymous');
    expect(await refusal(callers.admit(anonymous()))).toEqual({
      code: 'RATE_LIMITED',
      extensions: { code: 'RATE_LIMITED', retryAfterMs: 2000, limit: 'unauthenticatedRequestsPerSecond', maximum: 0.5, http: { status: 429 } },
    });
    expect((await callers.admit(anonymous('198.51.100.2'))).kind).toBe('anonymous');
  });

  test('when addresses of one IPv6 /64 send anonymous requests, then they share one budget', async () => {
    const callers = gate(null, { perSecond: 0.5, burst: 2 });
    await callers.admit(anonymous('2001:db8:0:1::a'));
    await callers.admit(anonymous('2001:db8:0:1::b'));
    expect((await refusal(callers.admit(anonymous('2001:db8:0:1::c')))).code).toBe('RATE_LIMITED');
    expect((await callers.admit(anonymous('2001:db8:0:2::a'))).kind).toBe('anonymous');
  });

  test('when an address spent its budget on unknown keys, then its next unknown key and session token are refused without a store read, while a key this process verified still passes', async () => {
    const callers = gate(null, { perSecond: 0.5, burst: 3 });
    const attacker = '203.0.113.66';
    await callers.admit(asKey(keyA, attacker)); // verified once: held in memory from now on
    for (let i = 0; i < 3; i++) expect((await refusal(callers.admit(asKey(`jgp_unknown-${i}`, attacker)))).code).toBe('UNAUTHENTICATED');
    counted.calls.length = 0;
    expect((await refusal(callers.admit(asKey('jgp_unknown-next', attacker)))).code).toBe('RATE_LIMITED');
    expect((await refusal(callers.admit(asKey('jgs_unknown-session', attacker)))).code).toBe('RATE_LIMITED');
    expect(counted.calls).toEqual([]);
    expect((await callers.admit(asKey(keyA, attacker))).kind).toBe('partner');
    expect((await refusal(callers.admit(asKey('jgp_unknown-next', '203.0.113.67')))).code).toBe('UNAUTHENTICATED');
  });

  test('when 20 unknown keys arrive at once from an address with a burst of 5, then only 5 reach the store and the rest are RATE_LIMITED', async () => {
    const callers = gate(null, { perSecond: 0.5, burst: 5 });
    counted.calls.length = 0;
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => refusal(callers.admit(asKey(`jgp_concurrent-guess-${i}`, '203.0.113.80')))));
    expect(outcomes.filter((outcome) => outcome.code === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome.code === 'RATE_LIMITED')).toHaveLength(15);
    expect(counted.calls.filter((call) => call === 'get')).toHaveLength(5);
  });

  test('when a session token arrives from an address with budget left, then it passes and its token is given back', async () => {
    const callers = gate(null, { perSecond: 0.5, burst: 1 });
    for (let i = 0; i < 3; i++) expect((await callers.admit(asKey(sessionA, '203.0.113.81'))).kind).toBe('session');
    expect((await refusal(callers.admit(asKey('jgs_not-a-session', '203.0.113.81')))).code).toBe('UNAUTHENTICATED');
    expect((await refusal(callers.admit(asKey(sessionA, '203.0.113.81')))).code).toBe('RATE_LIMITED');
  });

  test('when the same unknown key comes again, then it is refused with the same message without reading the store or charging the address, until CACHE_RECHECK_MS passed', async () => {
    const callers = createCallerGate({ principals, clock, perPartner: null, perClient: { perSecond: 0.001, burst: 1 }, unknownCredentialTtlMs: 2000 });
    const first = callers.admit(asKey('jgp_typo-of-a-key'));
    const message = await first.catch((error: Error) => error.message);
    counted.calls.length = 0;
    const again = await callers.admit(asKey('jgp_typo-of-a-key')).catch((error: Error) => error);
    expect(again).toMatchObject({ code: 'UNAUTHENTICATED', message });
    for (let i = 0; i < 5; i++) expect((await refusal(callers.admit(asKey('jgp_typo-of-a-key')))).code).toBe('UNAUTHENTICATED');
    expect(counted.calls).toEqual([]);
    clock.advance(2001);
    counted.calls.length = 0;
    // Remembered no more: the store is read again, which needs a token of the address (its one token went on the first try).
    expect((await refusal(callers.admit(asKey('jgp_typo-of-a-key')))).code).toBe('RATE_LIMITED');
    expect(counted.calls).toEqual([]);
  });
});
