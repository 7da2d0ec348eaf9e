import { Registry } from 'prom-client';
import { isMetricsScrapeAllowed } from '../../../src/http/metricsEndpoint';
import { createGatewayMetrics } from '../../../src/observability/gatewayMetrics';

const lineOf = (text: string, series: string): string | undefined => text.split('\n').find((line) => line.startsWith(`${series} `));
const valueOf = (text: string, series: string): number | undefined => {
  const line = lineOf(text, series);
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('gateway metrics', () => {
  test('when responses are recorded, then gateway_http_requests_total counts them by route and status, odd codes as other', async () => {
    const metrics = createGatewayMetrics({ defaultMetrics: false });
    metrics.recordResponse('/graphql', 200);
    metrics.recordResponse('/graphql', 200);
    metrics.recordResponse('/graphql', 'aborted');
    metrics.recordResponse('other', 404);
    metrics.recordResponse('/healthz', 999);
    const { body, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(body).toContain('# TYPE gateway_http_requests_total counter');
    expect(valueOf(body, 'gateway_http_requests_total{route="/graphql",status="200"}')).toBe(2);
    expect(valueOf(body, 'gateway_http_requests_total{route="/graphql",status="aborted"}')).toBe(1);
    expect(valueOf(body, 'gateway_http_requests_total{route="other",status="404"}')).toBe(1);
    expect(valueOf(body, 'gateway_http_requests_total{route="/healthz",status="other"}')).toBe(1);
  });

  test('when durations are observed, then the histogram has cumulative buckets, +Inf, sum and count per path and outcome', async () => {
    const metrics = createGatewayMetrics({ defaultMetrics: false });
    metrics.recordGraphql('fast', 200, 0.003);
    metrics.recordGraphql('fast', 200, 0.02);
    metrics.recordGraphql('fast', 200, 100);
    metrics.recordGraphql('split', 503, 0.2);
    const { body } = await metrics.render();
    const fast = (le: string) => valueOf(body, `gateway_graphql_request_duration_seconds_bucket{le="${le}",path="fast",outcome="ok"}`);
    expect([fast('0.005'), fast('0.01'), fast('0.025'), fast('30'), fast('+Inf')]).toEqual([1, 1, 2, 2, 3]);
    expect(valueOf(body, 'gateway_graphql_request_duration_seconds_count{path="fast",outcome="ok"}')).toBe(3);
    expect(valueOf(body, 'gateway_graphql_request_duration_seconds_sum{path="fast",outcome="ok"}')).toBeCloseTo(100.023, 6);
    expect(valueOf(body, 'gateway_graphql_request_duration_seconds_count{path="split",outcome="server_error"}')).toBe(1);
    // Every path and outcome is there from the start (made once), at zero until observed.
    expect(valueOf(body, 'gateway_graphql_request_duration_seconds_count{path="stitched",outcome="client_error"}')).toBe(0);
  });

  test('when Jobber calls, refreshes, pacing and deliveries are recorded, then each has its series', async () => {
    const metrics = createGatewayMetrics({ defaultMetrics: false });
    metrics.recordFastPath('forwarded');
    metrics.recordJobberCall(200, 0.05);
    metrics.recordJobberCall('timeout', 15);
    metrics.recordTokenRefresh('refreshed');
    metrics.recordTokenRefresh('invalid_grant');
    metrics.recordPacerWait(0.3);
    metrics.recordPacerRefusal('before_forward');
    metrics.recordWebhookDelivery('retry');
    const { body } = await metrics.render();
    expect(valueOf(body, 'gateway_fast_path_total{outcome="forwarded"}')).toBe(1);
    expect(valueOf(body, 'gateway_jobber_request_duration_seconds_count{status="200"}')).toBe(1);
    expect(valueOf(body, 'gateway_jobber_request_duration_seconds_count{status="timeout"}')).toBe(1);
    expect(valueOf(body, 'gateway_token_refreshes_total{outcome="refreshed"}')).toBe(1);
    expect(valueOf(body, 'gateway_token_refreshes_total{outcome="invalid_grant"}')).toBe(1);
    expect(valueOf(body, 'gateway_pacer_wait_seconds_count')).toBe(1);
    expect(valueOf(body, 'gateway_pacer_refusals_total{stage="before_forward"}')).toBe(1);
    expect(valueOf(body, 'gateway_webhook_deliveries_total{outcome="retry"}')).toBe(1);
  });

  test('when installations are counted, then the gauge reads the counter at scrape time', async () => {
    let installed = 2;
    const metrics = createGatewayMetrics({ defaultMetrics: false, countInstallations: async () => ({ INSTALLED: installed, DISCONNECTED: 1 }) });
    expect(valueOf((await metrics.render()).body, 'gateway_installations{status="INSTALLED"}')).toBe(2);
    installed = 5;
    const { body } = await metrics.render();
    expect(valueOf(body, 'gateway_installations{status="INSTALLED"}')).toBe(5);
    expect(valueOf(body, 'gateway_installations{status="DISCONNECTED"}')).toBe(1);
  });

  test('when two apps have their own registries, then neither sees the other\'s counts', async () => {
    const first = createGatewayMetrics({ registry: new Registry(), defaultMetrics: false });
    const second = createGatewayMetrics({ registry: new Registry(), defaultMetrics: false });
    first.recordFastPath('split');
    expect(valueOf((await second.render()).body, 'gateway_fast_path_total{outcome="split"}')).toBeUndefined();
    expect(valueOf((await first.render()).body, 'gateway_fast_path_total{outcome="split"}')).toBe(1);
  });

  test('when default metrics are on, then process and event-loop metrics are rendered', async () => {
    const { body } = await createGatewayMetrics().render();
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });
});

describe('/metrics access', () => {
  const token = 'metrics-token-0123456789';
  test.each([
    ['no token configured, no header', undefined, undefined, true],
    ['no token configured, any header', 'Bearer whatever', undefined, true],
    ['the right token', `Bearer ${token}`, token, true],
    ['the right token, lower-case scheme', `bearer ${token}`, token, true],
    ['no header', undefined, token, false],
    ['a wrong token', 'Bearer metrics-token-0123456780', token, false],
    ['a prefix of the token', `Bearer ${token.slice(0, 10)}`, token, false],
    ['the token without the scheme', token, token, false],
  ])('when %s, then the scrape allowed is %s', (_label, authorization, configured, allowed) => {
    expect(isMetricsScrapeAllowed(authorization, configured)).toBe(allowed);
  });
});
