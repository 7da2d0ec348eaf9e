import { z } from 'zod';
import { DEFAULT_PARTNER_BUDGET, DEFAULT_UNAUTHENTICATED_BUDGET } from '../limits/callerGate';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../limits/queryLimits';
import type { BucketRate } from '../limits/tokenBucket';

const url = (name: string) => z.string().url({ message: `${name} must be an absolute URL` });
const positiveInt = z.coerce.number().int().positive();
const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, { message: 'must be base64 of exactly 32 bytes' });

/** The environment the gateway reads (DESIGN.md "Configuration"); validated once, all bad keys reported together. */
const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    PUBLIC_URL: url('PUBLIC_URL').optional(),
    REDIS_URL: url('REDIS_URL').optional(),
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, { message: 'must be host:port,host:port…' })
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    JOBBER_BASE_URL: url('JOBBER_BASE_URL').default('https://api.getjobber.com'),
    JOBBER_API_VERSION: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' })
      .optional(),
    GATEWAY_ENCRYPTION_KEY: base64Key.optional(),
    /** Old keys still accepted for reading while re-encryption happens, comma separated. */
    GATEWAY_ENCRYPTION_KEY_PREVIOUS: z
      .string()
      .refine((value) => value.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32), {
        message: 'must be comma-separated base64 keys of 32 bytes',
      })
      .optional(),
    ADMIN_API_KEY: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    JOBBER_TIMEOUT_MS: positiveInt.default(15000),
    TOKEN_REFRESH_MARGIN_MS: positiveInt.default(300000),
    TOKEN_KEEPER_IDLE_MS: positiveInt.default(24 * 3600 * 1000),
    THROTTLE_MAX_WAIT_MS: z.coerce.number().int().min(0).default(2000),
    /** Longest time a process serves cached credentials and tokens before reading the store again (the fallback for a lost invalidation). */
    CACHE_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
    QUERY_MAX_COST: positiveInt.default(10_000),
    QUERY_COST_MAX_NODES: positiveInt.default(20_000),
    LOCAL_MAX_STORE_READS: positiveInt.default(50),
    TRUSTED_DOCUMENTS_MAX: positiveInt.max(100_000).default(1000),
    TRUSTED_DOCUMENT_MAX_BYTES: positiveInt.max(1_048_576).default(65_536),
    /** Parser and validation limits (src/limits/queryLimits.ts). */
    QUERY_MAX_TOKENS: positiveInt.default(DEFAULT_QUERY_LIMITS.maxTokens),
    QUERY_MAX_DEPTH: positiveInt.max(500).default(DEFAULT_QUERY_LIMITS.maxDepth),
    QUERY_MAX_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_QUERY_LIMITS.maxAliases),
    QUERY_MAX_ROOT_FIELDS: positiveInt.default(DEFAULT_QUERY_LIMITS.maxRootFields),
    QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(DEFAULT_QUERY_LIMITS.maxDirectives),
    QUERY_MAX_SELECTIONS: positiveInt.default(DEFAULT_QUERY_LIMITS.maxSelections),
    QUERY_MAX_FIELD_REPEATS: positiveInt.default(DEFAULT_QUERY_LIMITS.maxFieldRepeats),
    /** Largest `/graphql` request body (bytes), after decompression. */
    GRAPHQL_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
    /** Request budgets per process (src/limits/callerGate.ts); a rate of 0 turns that budget off. */
    PARTNER_REQUESTS_PER_SECOND: z.coerce.number().min(0).default(DEFAULT_PARTNER_BUDGET.perSecond),
    PARTNER_REQUEST_BURST: positiveInt.default(DEFAULT_PARTNER_BUDGET.burst),
    UNAUTHENTICATED_REQUESTS_PER_SECOND: z.coerce.number().min(0).default(DEFAULT_UNAUTHENTICATED_BUDGET.perSecond),
    UNAUTHENTICATED_REQUEST_BURST: positiveInt.default(DEFAULT_UNAUTHENTICATED_BUDGET.burst),
    /** How many proxies of the operator's stand in front (their X-Forwarded-For entries are trusted); 0 = none. */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    JOBBER_WEBHOOK_MAX_AGE_MS: positiveInt.default(24 * 3600 * 1000),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(0),
    SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** A scrape of /metrics must send `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    /** /metrics is served on this port only (on 0.0.0.0), not on PORT. */
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** OTLP/HTTP base URL; tracing is off when unset. */
    OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT').optional(),
    OTEL_EXPORTER_OTLP_HEADERS: z
      .string()
      .regex(/^[^=,\s]+=[^,]*(,[^=,\s]+=[^,]*)*$/, { message: 'must be key=value,key=value…' })
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('jobber-gateway'),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  })
  .superRefine((env, ctx) => {
    if ((env.REDIS_URL || env.REDIS_CLUSTER_NODES) && !env.GATEWAY_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['GATEWAY_ENCRYPTION_KEY'],
        message: 'is required with Redis (base64 of 32 bytes, e.g. `openssl rand -base64 32`)',
      });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['METRICS_PORT'], message: 'must differ from PORT' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  publicUrl: string;
  store: { kind: 'redis'; url: string } | { kind: 'cluster'; nodes: string[] } | { kind: 'embedded'; dataDir: string };
  dataDir: string;
  jobberBaseUrl: string;
  /** undefined = the version of schema/jobber.graphql. */
  jobberApiVersion: string | undefined;
  /** base64 keys; undefined in embedded mode means "generate one into DATA_DIR". */
  encryptionKey: string | undefined;
  previousEncryptionKeys: string[];
  adminApiKey: string | undefined;
  jobberTimeoutMs: number;
  tokenRefreshMarginMs: number;
  tokenKeeperIdleMs: number;
  throttleMaxWaitMs: number;
  /**
   * How long (ms) a process serves a cached access token, API key or session standing before reading
   * the store again: how long a change reaches a process that missed its invalidation message.
   */
  cacheRecheckMs: number;
  /** Largest estimated Jobber cost forwarded (Jobber's bucket maximum); above: QUERY_TOO_COSTLY. */
  maxQueryCost: number;
  /** Steps the cost estimate may take per request; past it: QUERY_TOO_COSTLY. */
  queryCostMaxNodes: number;
  /** Distinct store-reading local fields one operation may select; past it: TOO_MANY_STORE_READS. */
  localMaxStoreReads: number;
  /** Trusted documents one partner may register. */
  trustedDocumentsMax: number;
  /** Largest trusted document, in UTF-8 bytes. */
  trustedDocumentMaxBytes: number;
  /** Largest `/graphql` request body in bytes (after decompression); larger: 413. */
  maxBodyBytes: number;
  /** Parser and validation limits; past one: QUERY_TOO_COMPLEX (400). */
  queryLimits: QueryLimits;
  /** Requests per partner (keys and sessions together) per process; null = no budget. Past it: RATE_LIMITED (429). */
  partnerBudget: BucketRate | null;
  /** Anonymous requests and failed credentials per client address per process; null = no budget. Past it: RATE_LIMITED (429). */
  unauthenticatedBudget: BucketRate | null;
  /** Proxies in front whose X-Forwarded-For entries are trusted for the client address (0 = the socket's peer). */
  trustProxyHops: number;
  /** Jobber webhooks that occurred longer ago are ignored (replays), ms. */
  jobberWebhookMaxAgeMs: number;
  /** Partner webhooks may go to loopback/private/link-local addresses (the demo; tests). */
  webhookAllowPrivateTargets: boolean;
  /** After SIGTERM, how long to keep serving (with /readyz at 503) before closing, ms; in-flight requests are always awaited. */
  shutdownDrainMs: number;
  sandboxPort: number;
  logLevel: Env['LOG_LEVEL'];
  /** METRICS_TOKEN; undefined = /metrics is open (to whoever reaches its port). */
  metricsToken: string | undefined;
  /** METRICS_PORT; undefined = /metrics on the main port. */
  metricsPort: number | undefined;
  /** Undefined = tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset). */
  tracing: { endpoint: string; headers: Record<string, string>; serviceName: string; sampleRatio: number } | undefined;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Validates the environment once. Every problem is reported together, one line each, naming the
 * variable but never echoing its value (values may be secrets).
 */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`) };
  }
  const e = parsed.data;
  const store: Config['store'] = e.REDIS_CLUSTER_NODES
    ? { kind: 'cluster', nodes: e.REDIS_CLUSTER_NODES.split(',') }
    : e.REDIS_URL
      ? { kind: 'redis', url: e.REDIS_URL }
      : { kind: 'embedded', dataDir: e.DATA_DIR };
  return {
    ok: true,
    config: {
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      store,
      dataDir: e.DATA_DIR,
      jobberBaseUrl: e.JOBBER_BASE_URL.replace(/\/+$/, ''),
      jobberApiVersion: e.JOBBER_API_VERSION,
      encryptionKey: e.GATEWAY_ENCRYPTION_KEY,
      previousEncryptionKeys: e.GATEWAY_ENCRYPTION_KEY_PREVIOUS?.split(',').map((k) => k.trim()) ?? [],
      adminApiKey: e.ADMIN_API_KEY,
      jobberTimeoutMs: e.JOBBER_TIMEOUT_MS,
      tokenRefreshMarginMs: e.TOKEN_REFRESH_MARGIN_MS,
      tokenKeeperIdleMs: e.TOKEN_KEEPER_IDLE_MS,
      throttleMaxWaitMs: e.THROTTLE_MAX_WAIT_MS,
      cacheRecheckMs: e.CACHE_RECHECK_MS,
      maxQueryCost: e.QUERY_MAX_COST,
      queryCostMaxNodes: e.QUERY_COST_MAX_NODES,
      localMaxStoreReads: e.LOCAL_MAX_STORE_READS,
      trustedDocumentsMax: e.TRUSTED_DOCUMENTS_MAX,
      trustedDocumentMaxBytes: e.TRUSTED_DOCUMENT_MAX_BYTES,
      maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
      queryLimits: {
        maxTokens: e.QUERY_MAX_TOKENS,
        maxDepth: e.QUERY_MAX_DEPTH,
        maxAliases: e.QUERY_MAX_ALIASES,
        maxRootFields: e.QUERY_MAX_ROOT_FIELDS,
        maxDirectives: e.QUERY_MAX_DIRECTIVES,
        maxSelections: e.QUERY_MAX_SELECTIONS,
        maxFieldRepeats: e.QUERY_MAX_FIELD_REPEATS,
      },
      partnerBudget: e.PARTNER_REQUESTS_PER_SECOND > 0 ? { perSecond: e.PARTNER_REQUESTS_PER_SECOND, burst: e.PARTNER_REQUEST_BURST } : null,
      unauthenticatedBudget:
        e.UNAUTHENTICATED_REQUESTS_PER_SECOND > 0 ? { perSecond: e.UNAUTHENTICATED_REQUESTS_PER_SECOND, burst: e.UNAUTHENTICATED_REQUEST_BURST } : null,
      trustProxyHops: e.TRUST_PROXY_HOPS,
      jobberWebhookMaxAgeMs: e.JOBBER_WEBHOOK_MAX_AGE_MS,
      webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
      sandboxPort: e.SANDBOX_PORT,
      logLevel: e.LOG_LEVEL,
      metricsToken: e.METRICS_TOKEN,
      metricsPort: e.METRICS_PORT,
      tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
        ? {
            endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
            headers: parseHeaderList(e.OTEL_EXPORTER_OTLP_HEADERS),
            serviceName: e.OTEL_SERVICE_NAME,
            sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
          }
        : undefined,
    },
  };
}

/** `key=value,key=value` (OTEL_EXPORTER_OTLP_HEADERS; values may be percent-encoded). */
function parseHeaderList(list: string | undefined): Record<string, string> {
  if (list === undefined) return {};
  return Object.fromEntries(
    list.split(',').map((pair) => {
      const at = pair.indexOf('=');
      const value = pair.slice(at + 1).trim();
      let decoded = value;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        // Not percent-encoded after all: used as written.
      }
      return [pair.slice(0, at).trim(), decoded];
    }),
  );
}
