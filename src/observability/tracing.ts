import type { IncomingHttpHeaders } from 'node:http';
import { defaultTextMapGetter, ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `${endpoint}/v1/traces`. */
  endpoint?: string;
  /** Headers on every export (OTEL_EXPORTER_OTLP_HEADERS), e.g. a vendor's API key. */
  headers?: Record<string, string>;
  /** `service.name` of every span. Default `jobber-gateway`. */
  serviceName?: string;
  /** Share of new traces recorded, 0..1 (OTEL_TRACES_SAMPLER_ARG); a client's sampled flag is followed. Default 1. */
  sampleRatio?: number;
  /** Tests: spans go to this exporter one by one (SimpleSpanProcessor) instead of OTLP. */
  exporter?: SpanExporter;
}

/**
 * The gateway's tracer, made per app and never registered globally: no auto-instrumentation, no
 * global context manager (several apps share a test process). Spans are parented explicitly
 * (the request's span lives in its RequestScope), and W3C trace context is read and written here.
 */
export interface Tracing {
  tracer: Tracer;
  /** The client's `traceparent`/`tracestate` as a parent context (ROOT_CONTEXT when absent or invalid). */
  extract(headers: IncomingHttpHeaders): Context;
  /** Writes `traceparent` (and `tracestate`) naming `span` into outgoing headers. */
  inject(span: Span, headers: Record<string, string>): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Tracing as configured, or undefined when off (no endpoint, no exporter): then every hook is one branch. */
export function createTracing(options: TracingOptions): Tracing | undefined {
  const { endpoint, exporter } = options;
  if (endpoint === undefined && exporter === undefined) return undefined;
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${(endpoint as string).replace(/\/+$/, '')}/v1/traces`, headers: options.headers ?? {} }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'jobber-gateway' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    spanProcessors: [processor],
  });
  const propagator = new W3CTraceContextPropagator();
  const setter = {
    set(carrier: Record<string, string>, key: string, value: string) {
      carrier[key] = value;
    },
  };
  return {
    tracer: provider.getTracer('jobber-gateway'),
    extract(headers) {
      if (headers.traceparent === undefined) return ROOT_CONTEXT;
      return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    },
    inject(span, headers) {
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, setter);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The context whose parent is `span` (explicit parenting: the global context manager is never used). */
export function contextWithSpan(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}
