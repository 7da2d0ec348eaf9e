import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createTracing, type Tracing } from '../../../src/observability/tracing';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createTestPartner, installAccount, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { waitFor } from '../../support/waitFor';

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe('tracing with OpenTelemetry (in-memory exporter, real gateway and sandbox)', () => {
  let sandbox: Sandbox;
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    sandbox = await createSandbox();
    exporter = new InMemorySpanExporter();
    tracing = createTracing({ exporter, serviceName: 'gateway-under-test' }) as Tracing;
    gateway = await startTestGateway({ sandbox, tracing });
    partner = await createTestPartner(gateway);
    expect((await installAccount(gateway, partner, 'north')).callbackStatus).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
    await tracing.shutdown();
    await sandbox.close();
  });

  async function post(query: string, headers: Record<string, string> = {}): Promise<{ requestId: string; body: { data?: unknown; errors?: unknown } }> {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...partner.headers('north'), ...headers },
      body: JSON.stringify({ query }),
    });
    return { requestId: response.headers.get('x-request-id') as string, body: (await response.json()) as { data?: unknown; errors?: unknown } };
  }

  /** The request's server span (ended when its response closed) and every span of its trace. */
  async function traceOf(requestId: string): Promise<{ server: ReadableSpan; spans: ReadableSpan[] }> {
    const server = await waitFor(
      () => exporter.getFinishedSpans().find((span) => span.attributes['gateway.request_id'] === requestId),
      `the server span of ${requestId}`,
      5000,
    );
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === server.spanContext().traceId);
    return { server, spans };
  }

  test("when a client sends traceparent, then its trace continues: the request span is the client's child, its phases are the request's children, and Jobber gets a traceparent naming the Jobber call", async () => {
    const clientTraceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const answer = await post('{ account { id name } }', { traceparent: `00-${clientTraceId}-${clientSpanId}-01` });
    expect(answer.body.errors).toBeUndefined();
    const { server, spans } = await traceOf(answer.requestId);
    expect(server.spanContext().traceId).toBe(clientTraceId);
    expect(parentOf(server)).toBe(clientSpanId);
    expect(server.name).toBe('POST /graphql');
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 200, 'gateway.path': 'fast', 'gateway.fast_path': 'forwarded', 'gateway.partner_id': partner.partnerId });
    expect(server.resource.attributes['service.name']).toBe('gateway-under-test');
    const children = spans.filter((span) => parentOf(span) === server.spanContext().spanId).map((span) => span.name);
    expect(children.sort()).toEqual(['fastpath.classify', 'jobber.call', 'pacer.wait']);
    const jobberCall = spans.find((span) => span.name === 'jobber.call') as ReadableSpan;
    expect(jobberCall.attributes['http.response.status_code']).toBe(200);
    const seen = sandbox.control.lastGraphqlHeaders().find((headers) => headers['x-request-id'] === answer.requestId);
    expect(seen?.traceparent).toBe(`00-${clientTraceId}-${jobberCall.spanContext().spanId}-01`);
  });

  test('when no traceparent is sent, then the request span starts a new trace as a root', async () => {
    const answer = await post('{ account { id } }');
    const { server } = await traceOf(answer.requestId);
    expect(parentOf(server)).toBeUndefined();
    expect(server.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  test('when a query is split, then running its local half is a child span of the request', async () => {
    const answer = await post('{ account { id } connectorSettings { clientId } }');
    expect(answer.body.errors).toBeUndefined();
    const { server, spans } = await traceOf(answer.requestId);
    expect(server.attributes['gateway.path']).toBe('split');
    const children = spans.filter((span) => parentOf(span) === server.spanContext().spanId).map((span) => span.name);
    expect(children.sort()).toEqual(['fastpath.classify', 'fastpath.local', 'jobber.call', 'pacer.wait']);
  });

  test('when stitching answers, then the Jobber call made inside Apollo is still a child of the request span', async () => {
    const answer = await post('{ __typename account { id } connectorSettings { clientId } }');
    expect(answer.body.errors).toBeUndefined();
    const { server, spans } = await traceOf(answer.requestId);
    expect(server.attributes['gateway.path']).toBe('stitched');
    const jobberCall = spans.find((span) => span.name === 'jobber.call');
    expect(jobberCall && parentOf(jobberCall)).toBe(server.spanContext().spanId);
  });

  test('when the access token has expired, then the refresh is a child span of the request that needed it', async () => {
    const other = await createTestPartner(gateway);
    sandbox.control.setTokenLifetime(1);
    try {
      await installAccount(gateway, other, 'short');
    } finally {
      sandbox.control.setTokenLifetime(3600);
    }
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answer = await post('{ account { id } }', other.headers('short'));
    expect(answer.body.errors).toBeUndefined();
    const { server, spans } = await traceOf(answer.requestId);
    const refresh = spans.find((span) => span.name === 'token.refresh');
    expect(refresh && parentOf(refresh)).toBe(server.spanContext().spanId);
  });

  test('when a client sends a malformed traceparent, then it is ignored and a new trace starts', async () => {
    const answer = await post('{ account { id } }', { traceparent: '00-not-a-trace-01' });
    expect(answer.body.errors).toBeUndefined();
    const { server } = await traceOf(answer.requestId);
    expect(parentOf(server)).toBeUndefined();
  });
});

describe('tracing off (no endpoint)', () => {
  test('when tracing is off, then no traceparent is sent to Jobber, not even the client one, and the X-Request-Id still is', async () => {
    const gateway = await startTestGateway();
    try {
      expect(createTracing({})).toBeUndefined();
      const partner = await createTestPartner(gateway);
      await installAccount(gateway, partner, 'plain');
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...partner.headers('plain'), traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
        body: JSON.stringify({ query: '{ account { id } }' }),
      });
      expect(response.status).toBe(200);
      const seen = gateway.sandbox.control.lastGraphqlHeaders().find((headers) => headers['x-request-id'] === response.headers.get('x-request-id'));
      expect(seen).toBeDefined();
      expect(seen?.traceparent).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });
});
