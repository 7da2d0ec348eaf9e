import { loadConfig } from '../../../src/config/config';

const key = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  test('when the environment is empty, then the defaults of DESIGN.md apply and the store is embedded', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 4000,
      publicUrl: 'http://localhost:4000',
      store: { kind: 'embedded', dataDir: '.data' },
      jobberBaseUrl: 'https://api.getjobber.com',
      jobberTimeoutMs: 15000,
      tokenRefreshMarginMs: 300000,
      sandboxPort: 4010,
      logLevel: 'info',
    });
  });

  test('when PORT is set without PUBLIC_URL, then the public URL follows the port', () => {
    const result = loadConfig({ PORT: '8080' });
    expect(result.ok && result.config.publicUrl).toBe('http://localhost:8080');
  });

  test('when several variables are bad, then every one is reported together without its value', () => {
    const result = loadConfig({
      PORT: 'eighty',
      REDIS_URL: 'not a url',
      LOG_LEVEL: 'loud',
      GATEWAY_ENCRYPTION_KEY: 'c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL', 'GATEWAY_ENCRYPTION_KEY']) expect(text).toContain(name);
    expect(text).not.toContain('c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0');
  });

  test('when Redis is configured without an encryption key, then the key is reported missing', () => {
    const result = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join()).toContain('GATEWAY_ENCRYPTION_KEY');
  });

  test.each([
    [{ REDIS_URL: 'redis://r:6379', GATEWAY_ENCRYPTION_KEY: key }, { kind: 'redis', url: 'redis://r:6379' }],
    [{ REDIS_CLUSTER_NODES: 'a:7000,b:7001', GATEWAY_ENCRYPTION_KEY: key }, { kind: 'cluster', nodes: ['a:7000', 'b:7001'] }],
    [{ DATA_DIR: '/tmp/x' }, { kind: 'embedded', dataDir: '/tmp/x' }],
  ])('when the store variables are %j, then the store is %j', (env, store) => {
    const result = loadConfig(env);
    expect(result.ok && result.config.store).toEqual(store);
  });

  test('when the limits of issue 12 are not set, then their defaults apply', () => {
    const result = loadConfig({});
    expect(result.ok && result.config).toMatchObject({
      maxQueryCost: 10_000,
      queryCostMaxNodes: 20_000,
      localMaxStoreReads: 50,
      jobberWebhookMaxAgeMs: 86_400_000,
      webhookAllowPrivateTargets: false,
      shutdownDrainMs: 0,
    });
  });

  test('when the limits are set, then they are read, and bad values are each reported', () => {
    const set = loadConfig({ QUERY_MAX_COST: '5000', LOCAL_MAX_STORE_READS: '10', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', SHUTDOWN_DRAIN_MS: '5000' });
    expect(set.ok && set.config).toMatchObject({ maxQueryCost: 5000, localMaxStoreReads: 10, webhookAllowPrivateTargets: true, shutdownDrainMs: 5000 });
    const bad = loadConfig({ QUERY_MAX_COST: '0', QUERY_COST_MAX_NODES: 'many', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes', JOBBER_WEBHOOK_MAX_AGE_MS: '-1' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    for (const name of ['QUERY_MAX_COST', 'QUERY_COST_MAX_NODES', 'WEBHOOK_ALLOW_PRIVATE_TARGETS', 'JOBBER_WEBHOOK_MAX_AGE_MS']) expect(bad.errors.join('\n')).toContain(name);
  });

  test('when the parser limits and budgets are not set, then their defaults apply', () => {
    const result = loadConfig({});
    expect(result.ok && result.config).toMatchObject({
      queryLimits: { maxTokens: 5000, maxDepth: 20, maxAliases: 50, maxRootFields: 30, maxDirectives: 10, maxSelections: 1500, maxFieldRepeats: 20 },
      partnerBudget: { perSecond: 500, burst: 1000 },
      unauthenticatedBudget: { perSecond: 1, burst: 30 },
      trustProxyHops: 0,
      maxBodyBytes: 1_048_576,
    });
  });

  test('when the parser limits and budgets are set, then they are read; a rate of 0 turns a budget off; bad values are each reported', () => {
    const set = loadConfig({
      QUERY_MAX_TOKENS: '800',
      QUERY_MAX_DEPTH: '8',
      QUERY_MAX_ALIASES: '0',
      QUERY_MAX_FIELD_REPEATS: '4',
      PARTNER_REQUESTS_PER_SECOND: '0',
      UNAUTHENTICATED_REQUESTS_PER_SECOND: '0.5',
      UNAUTHENTICATED_REQUEST_BURST: '4',
      TRUST_PROXY_HOPS: '1',
      GRAPHQL_MAX_BODY_BYTES: '262144',
    });
    expect(set.ok && set.config).toMatchObject({
      queryLimits: { maxTokens: 800, maxDepth: 8, maxAliases: 0, maxRootFields: 30, maxFieldRepeats: 4 },
      partnerBudget: null,
      unauthenticatedBudget: { perSecond: 0.5, burst: 4 },
      trustProxyHops: 1,
      maxBodyBytes: 262_144,
    });
    const bad = loadConfig({ QUERY_MAX_TOKENS: '0', QUERY_MAX_DEPTH: 'deep', PARTNER_REQUESTS_PER_SECOND: '-1', PARTNER_REQUEST_BURST: '0', TRUST_PROXY_HOPS: '1.5' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    for (const name of ['QUERY_MAX_TOKENS', 'QUERY_MAX_DEPTH', 'PARTNER_REQUESTS_PER_SECOND', 'PARTNER_REQUEST_BURST', 'TRUST_PROXY_HOPS']) expect(bad.errors.join('\n')).toContain(name);
  });
});
