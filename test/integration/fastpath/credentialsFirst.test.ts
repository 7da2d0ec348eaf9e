import { createAccountSessions } from '../../../src/auth/accountSessions';
import { createPartnerRegistry } from '../../../src/auth/partnerRegistry';
import { systemClock } from '../../../src/core/deps';
import { buildGatewaySchema, buildLocalSchema, loadLocalTypeDefs } from '../../../src/gateway/buildGatewaySchema';
import { createFastPathCache } from '../../../src/gateway/fastPathCache';
import { createFastPath, type FastPathRequest } from '../../../src/gateway/fastPath';
import type { GatewayServices } from '../../../src/gateway/gatewayServices';
import { createJobberExecutor } from '../../../src/gateway/jobberExecutor';
import { createCallerGate } from '../../../src/limits/callerGate';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { createTrustedDocumentCache } from '../../../src/trusted/trustedDocumentCache';
import { createTrustedDocumentGate } from '../../../src/trusted/trustedDocumentGate';
import { createTrustedDocumentStore } from '../../../src/trusted/trustedDocumentStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { jobberSnapshot } from '../../support/testGateway';

/** The paths under test end before anything reaches the services: touching them fails the test. */
const untouchable = new Proxy({} as GatewayServices, {
  get: (_target, property) => {
    throw new Error(`services.${String(property)} was used before the credentials were accepted`);
  },
});

describe('fast path: credentials before any parsing', () => {
  let store: Store;
  let apiKey: string;
  const jobber = jobberSnapshot();
  const localSchema = buildLocalSchema(loadLocalTypeDefs());
  const gatewaySchema = buildGatewaySchema({ jobber: jobber.schema, local: localSchema, executor: createJobberExecutor() });
  const cache = createFastPathCache({ gatewaySchema, jobberSchema: jobber.schema, localSchema });

  beforeAll(async () => {
    store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('credfirst') });
    apiKey = (await createPartnerRegistry({ store, clock: systemClock }).createPartner('Acme')).apiKey;
  });
  afterAll(() => store.close());

  const fastPath = () => {
    const principals = { adminApiKey: undefined, partners: createPartnerRegistry({ store, clock: systemClock }), sessions: createAccountSessions({ store, clock: systemClock, getInstallationStatus: async () => 'INSTALLED', getPartner: async () => ({ disabled: false }) }) };
    // No budgets here: what is tested is the order (credentials, then parsing); budgets are in callerGate.test.ts.
    const callers = createCallerGate({ principals, clock: systemClock, perPartner: null, perClient: null });
    const documents = createTrustedDocumentGate({ cache: createTrustedDocumentCache({ clock: systemClock, documents: createTrustedDocumentStore({ store, clock: systemClock }), recheckMs: 2000 }) });
    return createFastPath({ cache, gatewaySchema, localSchema, admitCaller: (request) => callers.admit(request), services: untouchable, documents });
  };
  const request = (authorization: string, query: string): FastPathRequest => ({
    method: 'POST',
    query,
    sha256Hash: null,
    variables: null,
    operationName: null,
    authorization,
    accountIdHeader: 'north',
    contentType: 'application/json; charset=utf-8',
    clientAddress: '127.0.0.1',
  });

  test('when the key is unknown, then 401 comes back and not one of many distinct query texts was parsed or cached', async () => {
    const path = fastPath();
    for (let i = 0; i < 50; i++) {
      const result = await path.handle(request('Bearer jgp_unknown-key', `{ a${i}: account { id } ${'x'.repeat(i)}`));
      expect(result).toMatchObject({ kind: 'answer', outcome: 'refused', status: 401 });
    }
    for (const authorization of ['Bearer jgs_unknown-session', 'Basic abc']) {
      expect(await path.handle(request(authorization, '{ account { id } }'))).toMatchObject({ kind: 'answer', status: 401 });
    }
    expect(cache.size).toBe(0);
  });

  test('when the key is known, then the query text is parsed and its decision cached (here: Apollo answers a local query)', async () => {
    const result = await fastPath().handle(request(`Bearer ${apiKey}`, '{ connectorSettings { clientId } }'));
    expect(result).toEqual({ kind: 'apollo', reason: 'only local root fields' });
    expect(cache.size).toBe(1);
  });
});
