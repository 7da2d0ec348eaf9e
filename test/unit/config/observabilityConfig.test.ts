import { loadConfig } from '../../../src/config/config';

describe('observability configuration', () => {
  test('when nothing is set, then tracing is off and /metrics is open on the main port', () => {
    const result = loadConfig({});
    expect(result.ok && result.config).toMatchObject({ tracing: undefined, metricsToken: undefined, metricsPort: undefined });
  });

  test('when OTEL_EXPORTER_OTLP_ENDPOINT is set, then tracing is on with the headers, service name and ratio given', () => {
    const result = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D,x-team=gw',
      OTEL_SERVICE_NAME: 'gateway-eu',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(result.ok && result.config.tracing).toEqual({
      endpoint: 'http://collector:4318',
      headers: { 'x-api-key': 'abc==', 'x-team': 'gw' },
      serviceName: 'gateway-eu',
      sampleRatio: 0.25,
    });
  });

  test('when only the endpoint is set, then every trace is sampled under the default service name', () => {
    const result = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(result.ok && result.config.tracing).toEqual({ endpoint: 'http://127.0.0.1:4318', headers: {}, serviceName: 'jobber-gateway', sampleRatio: 1 });
  });

  test('when METRICS_TOKEN and METRICS_PORT are set, then both are in the config', () => {
    const result = loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789', METRICS_PORT: '9464' });
    expect(result.ok && result.config).toMatchObject({ metricsToken: 'scrape-token-0123456789', metricsPort: 9464 });
  });

  test('when the observability variables are bad, then each is reported, values never echoed', () => {
    const result = loadConfig({
      METRICS_TOKEN: 'short-secret',
      METRICS_PORT: '4000',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector',
      OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign',
      OTEL_TRACES_SAMPLER_ARG: '2',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    for (const name of ['METRICS_TOKEN', 'METRICS_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_TRACES_SAMPLER_ARG']) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('short-secret');
  });
});
