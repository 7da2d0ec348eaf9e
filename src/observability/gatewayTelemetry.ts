import type { IncomingMessage, RequestListener } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Principal } from '../gateway/requestContext';
import type { ForwardObserver } from '../gateway/jobberForwardTypes';
import type { PacerEvent } from '../ratelimit/createRateLimiter';
import type { JobberTokenClient } from '../tokens/jobberTokenClient';
import type { GatewayMetrics, WebhookDeliveryOutcome } from './gatewayMetrics';
import { createRequestObserver } from './requestObserver';
import { createRequestLogger, createRequestScopes, requestScopeOf, type RequestScope, type RequestScopes } from './requestScope';
import { contextWithSpan, type Tracing } from './tracing';

/** Ends a span; `failed` marks it as an error. */
export type EndSpan = (failed?: boolean) => void;

/** The spans the fast path opens (see README "Operating it"): classifying the operation, running its local half. */
export type FastPathPhase = 'classify' | 'local';

/**
 * Metrics, traces, request ids and access logs of one app, as the hooks each part calls. Every hook
 * costs a branch when its feature is off; none allocates per request for tracing that is off.
 */
export interface GatewayTelemetry {
  metrics: GatewayMetrics;
  scopes: RequestScopes;
  /** The app's logger: every line written while a request is served carries its `requestId`. */
  logger: Logger;
  /** Wraps the app's request listener (createRequestObserver). */
  wrap(listener: RequestListener): RequestListener;
  /** A child span of the current request, or a root span with `root` (background work); no-op when tracing is off. */
  startSpan(name: string, options?: { attributes?: Attributes; kind?: SpanKind; root?: boolean }): EndSpan;
  /** The fast path's phases: `startPhase('classify')` before planning, the returned function after. */
  startPhase(phase: FastPathPhase): EndSpan;
  /** The fast path's onOutcome: counted, and remembered on `req`'s scope for the access log and the request histogram. */
  noteFastPathOutcome(outcome: string, req: IncomingMessage): void;
  /** The forwarder's hooks: X-Request-Id and traceparent out, Jobber call latency, pacer spans. */
  forwardObserver: ForwardObserver;
  /** The cost pacer's waits and refusals. */
  onPaced(event: PacerEvent): void;
  /** Partner webhook delivery outcomes. */
  onDelivery(outcome: WebhookDeliveryOutcome): void;
  /** The token client with its refreshes counted and traced. */
  observeTokenClient(client: JobberTokenClient): JobberTokenClient;
  /** An admitted caller: the partner it names goes on the request's scope (access log, span). */
  notePrincipal(scope: RequestScope | undefined, principal: Principal): void;
}

const NO_SPAN: EndSpan = () => undefined;

export function createGatewayTelemetry(options: { metrics: GatewayMetrics; tracing: Tracing | undefined; logger: Logger }): GatewayTelemetry {
  const { metrics, tracing } = options;
  // Only tracing needs the scope after every await (spans of shared work): see createRequestScopes.
  const scopes = createRequestScopes({ propagate: tracing !== undefined });
  const logger = createRequestLogger(options.logger, scopes);
  const wrap = createRequestObserver({ scopes, metrics, tracing, logger: options.logger });

  const startSpan: GatewayTelemetry['startSpan'] = (name, spanOptions = {}) => {
    if (tracing === undefined) return NO_SPAN;
    const parent = scopes.current()?.span;
    if (parent === undefined && !spanOptions.root) return NO_SPAN;
    const span = tracing.tracer.startSpan(
      name,
      { kind: spanOptions.kind ?? SpanKind.INTERNAL, ...(spanOptions.attributes ? { attributes: spanOptions.attributes } : {}) },
      parent === undefined ? undefined : contextWithSpan(parent),
    );
    return (failed) => {
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
  };

  const forwardObserver: ForwardObserver = {
    beginJobberCall(headers, requestScope) {
      const startedAt = performance.now();
      const scope = requestScope ?? scopes.current();
      if (scope !== undefined) headers['x-request-id'] = scope.id;
      const parent = scope?.span;
      const span =
        tracing !== undefined && parent !== undefined
          ? tracing.tracer.startSpan('jobber.call', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST' } }, contextWithSpan(parent))
          : undefined;
      if (span !== undefined) tracing?.inject(span, headers);
      return (status) => {
        metrics.recordJobberCall(status, (performance.now() - startedAt) / 1000);
        if (span === undefined) return;
        if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
        else span.setAttribute('error.type', status);
        if (typeof status !== 'number' || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
    beginPacing: () => startSpan('pacer.wait'),
  };

  return {
    metrics,
    scopes,
    logger,
    wrap,
    startSpan,
    startPhase: (phase) => (tracing === undefined ? NO_SPAN : startSpan(phase === 'classify' ? 'fastpath.classify' : 'fastpath.local')),
    noteFastPathOutcome(outcome, req) {
      metrics.recordFastPath(outcome);
      const scope = requestScopeOf(req);
      if (scope !== undefined) scope.fastPath = outcome;
    },
    forwardObserver,
    onPaced(event) {
      if (event.kind === 'wait') metrics.recordPacerWait(event.waitMs / 1000);
      else metrics.recordPacerRefusal(event.stage);
    },
    onDelivery: (outcome) => metrics.recordWebhookDelivery(outcome),
    observeTokenClient(client) {
      return {
        exchangeCode: (input) => client.exchangeCode(input),
        async refresh(input) {
          const end = startSpan('token.refresh', { kind: SpanKind.CLIENT, root: true });
          let result;
          try {
            result = await client.refresh(input);
          } catch (error) {
            // A bug (failures are values): the span still ends.
            end(true);
            throw error;
          }
          metrics.recordTokenRefresh(result.ok ? 'refreshed' : result.kind);
          end(!result.ok);
          return result;
        },
      };
    },
    notePrincipal(scope, principal) {
      if (scope === undefined) return;
      if (principal.kind === 'partner') scope.partnerId = principal.partner.id;
      else if (principal.kind === 'session') scope.partnerId = principal.ref.partnerId;
    },
  };
}
