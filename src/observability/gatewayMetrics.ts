import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createCounterFamily, createHistogramFamily, type CounterCell, type HistogramCell } from './metricCells';

/** The routes worth a label; anything else is `other`, so a scan of random URLs cannot grow the series. */
export const ROUTE_LABELS = ['/graphql', '/connector/callback', '/webhooks/jobber', '/healthz', '/readyz', '/metrics', 'other'] as const;
export type RouteLabel = (typeof ROUTE_LABELS)[number];

/** Which way a `POST /graphql` went: the fast path forwarded it, split it, or express/Apollo (stitching) answered it. */
/** fast: forwarded whole; split: local half here, Jobber half forwarded; refused: answered before any work (credentials, a mutation over GET); stitched: Apollo. */
export type GraphqlPath = 'fast' | 'split' | 'refused' | 'stitched';

/** What a Jobber call ended with: its HTTP status, or no answer at all. */
export type JobberCallStatus = number | 'timeout' | 'unreachable';

export type PacerRefusalStage = 'before_forward' | 'after_throttled';
export type WebhookDeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'dropped';

export interface GatewayMetricsOptions {
  /** The registry to fill; default a new one (never prom-client's global one: several apps share a test process). */
  registry?: Registry;
  /** The library's process and event-loop metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /** Installations per status, read when /metrics is scraped (see createInstallationCounter). */
  countInstallations?: () => Promise<Record<string, number>>;
}

/**
 * The gateway's metrics, one registry per app. Every `record*` is cheap: the hot path's series are
 * cells made once (metricCells.ts) and looked up by index, never by building a label string.
 */
export interface GatewayMetrics {
  registry: Registry;
  /** One HTTP response (or a request the client gave up on: `aborted`). */
  recordResponse(route: RouteLabel, status: number | 'aborted'): void;
  /** Duration of one `POST /graphql`, in seconds, by path and by what its status says. */
  recordGraphql(path: GraphqlPath, status: number | 'aborted', seconds: number): void;
  /** What the fast path did with one `POST /graphql` (`gateway_fast_path_total`). */
  recordFastPath(outcome: string): void;
  /** One call to Jobber's GraphQL API and its latency in seconds. */
  recordJobberCall(status: JobberCallStatus, seconds: number): void;
  /** One call to Jobber's token endpoint with a refresh token: `refreshed` or the failure's kind. */
  recordTokenRefresh(outcome: string): void;
  /** A request the pacer held before sending it to Jobber, in seconds. */
  recordPacerWait(seconds: number): void;
  recordPacerRefusal(stage: PacerRefusalStage): void;
  recordWebhookDelivery(outcome: WebhookDeliveryOutcome): void;
  /** The Prometheus text of every metric. */
  render(): Promise<{ contentType: string; body: string }>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WAIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const GRAPHQL_PATHS: readonly GraphqlPath[] = ['fast', 'split', 'refused', 'stitched'];
const OUTCOMES = ['ok', 'client_error', 'server_error', 'aborted'] as const;
const MAX_STATUS = 600;

export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const responses = createCounterFamily(registry, {
    name: 'gateway_http_requests_total',
    help: 'HTTP responses by route and status code (status "aborted": the client left before the answer)',
    labelNames: ['route', 'status'],
  });
  // Per route: one cell per status code, made on first use (codes are bounded: 100-599, else "other").
  const responseCells = ROUTE_LABELS.map(() => new Array<CounterCell | undefined>(MAX_STATUS + 2));
  const routeIndex = new Map<RouteLabel, number>(ROUTE_LABELS.map((route, index) => [route, index]));

  const graphqlDurations = createHistogramFamily(registry, {
    name: 'gateway_graphql_request_duration_seconds',
    help: 'GraphQL requests to /graphql (POST and GET) from the first byte to the last, by path (fast, split, refused, stitched) and outcome (from the HTTP status)',
    labelNames: ['path', 'outcome'],
    buckets: LATENCY_BUCKETS,
  });
  const graphqlCells = new Map(GRAPHQL_PATHS.map((path) => [path, OUTCOMES.map((outcome) => graphqlDurations.cell(path, outcome))]));

  const fastPath = createCounterFamily(registry, { name: 'gateway_fast_path_total', help: 'GraphQL requests to /graphql by what the fast path did (forwarded, split, refused, handed_off)', labelNames: ['outcome'] });
  const fastPathCells = new Map<string, CounterCell>();

  const jobberCalls = createHistogramFamily(registry, {
    name: 'gateway_jobber_request_duration_seconds',
    help: "Calls to Jobber's GraphQL API by HTTP status (timeout, unreachable: no answer), in seconds",
    labelNames: ['status'],
    buckets: LATENCY_BUCKETS,
  });
  const jobberCells = new Array<HistogramCell | undefined>(MAX_STATUS + 2);
  const jobberTimeout = jobberCalls.cell('timeout');
  const jobberUnreachable = jobberCalls.cell('unreachable');

  const tokenRefreshes = new Counter({
    name: 'gateway_token_refreshes_total',
    help: "Refresh-token calls to Jobber's token endpoint by outcome (refreshed, invalid_grant, transient, ...)",
    labelNames: ['outcome'],
    registers: [registry],
  });
  const pacerWaits = new Histogram({
    name: 'gateway_pacer_wait_seconds',
    help: "How long the cost pacer held a request for Jobber's bucket (only requests that waited)",
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const pacerRefusals = new Counter({
    name: 'gateway_pacer_refusals_total',
    help: 'Requests the cost pacer answered UPSTREAM_THROTTLED, by stage (before_forward, after_throttled)',
    labelNames: ['stage'],
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Partner webhook delivery attempts by outcome (delivered, retry, dead, dropped: no webhookUrl)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const countInstallations = options.countInstallations;
  if (countInstallations) {
    new Gauge({
      name: 'gateway_installations',
      help: 'Installations by status, counted from the store when scraped (cached; see README "Operating it")',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const counts = await countInstallations();
        this.reset();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }

  return {
    registry,
    recordResponse(route, status) {
      const cells = responseCells[routeIndex.get(route) ?? ROUTE_LABELS.length - 1] as (CounterCell | undefined)[];
      const slot = status === 'aborted' ? MAX_STATUS + 1 : status >= 100 && status < MAX_STATUS ? status : MAX_STATUS;
      let cell = cells[slot];
      if (cell === undefined) {
        cell = responses.cell(route, status === 'aborted' ? 'aborted' : slot === MAX_STATUS ? 'other' : String(status));
        cells[slot] = cell;
      }
      cell.inc();
    },
    recordGraphql(path, status, seconds) {
      const outcomeIndex = status === 'aborted' ? 3 : status >= 500 ? 2 : status >= 400 ? 1 : 0;
      (graphqlCells.get(path)?.[outcomeIndex] as HistogramCell).observe(seconds);
    },
    recordFastPath(outcome) {
      let cell = fastPathCells.get(outcome);
      if (cell === undefined) fastPathCells.set(outcome, (cell = fastPath.cell(outcome)));
      cell.inc();
    },
    recordJobberCall(status, seconds) {
      if (status === 'timeout') return jobberTimeout.observe(seconds);
      if (status === 'unreachable') return jobberUnreachable.observe(seconds);
      const slot = status >= 100 && status < MAX_STATUS ? status : MAX_STATUS;
      let cell = jobberCells[slot];
      if (cell === undefined) jobberCells[slot] = cell = jobberCalls.cell(slot === MAX_STATUS ? 'other' : String(status));
      cell.observe(seconds);
    },
    recordTokenRefresh(outcome) {
      tokenRefreshes.inc({ outcome });
    },
    recordPacerWait(seconds) {
      pacerWaits.observe(seconds);
    },
    recordPacerRefusal(stage) {
      pacerRefusals.inc({ stage });
    },
    recordWebhookDelivery(outcome) {
      webhookDeliveries.inc({ outcome });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
