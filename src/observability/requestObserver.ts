import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { buildAccessLogEntry, graphqlPathOf, routeOf } from './accessLog';
import type { GatewayMetrics, RouteLabel } from './gatewayMetrics';
import { resolveRequestId } from './requestId';
import { attachRequestScope, type RequestScope, type RequestScopes } from './requestScope';
import type { Tracing } from './tracing';

export interface RequestObserverOptions {
  scopes: RequestScopes;
  metrics: GatewayMetrics;
  /** Undefined when tracing is off. */
  tracing: Tracing | undefined;
  /** Access log lines go here at info level (LOG_LEVEL=warn turns them off). */
  logger: Logger;
}

/**
 * Wraps the app's request listener, the one entry of every request, so the fast path, express and
 * every router are observed alike without knowing it. Per request: the request id and its scope for
 * the code below (the listener answers the id as `X-Request-Id`: see buildHttpEntry), the server span
 * (tracing on), and when the response is done (or the client left): the request counters and
 * histogram, the span's end and one access log line.
 */
export function createRequestObserver(options: RequestObserverOptions): (listener: RequestListener) => RequestListener {
  const { scopes, metrics, tracing, logger } = options;

  function finish(req: IncomingMessage, res: ServerResponse, scope: RequestScope, url: string | undefined, route: RouteLabel): void {
    const seconds = (performance.now() - scope.startedAt) / 1000;
    const status = res.writableFinished ? res.statusCode : 'aborted';
    metrics.recordResponse(route, status);
    // GraphQL requests only: POSTs and GET queries (urql's default), not the explorer page a browser GETs.
    if (route === '/graphql' && (req.method === 'POST' || (req.method === 'GET' && !isHtml(res)))) metrics.recordGraphql(graphqlPathOf(scope.fastPath), status, seconds);
    const span = scope.span;
    if (span !== undefined) {
      if (status === 'aborted') span.setAttribute('error.type', 'aborted');
      else span.setAttribute('http.response.status_code', status);
      if (route === '/graphql') span.setAttribute('gateway.path', graphqlPathOf(scope.fastPath));
      if (scope.fastPath !== undefined) span.setAttribute('gateway.fast_path', scope.fastPath);
      if (scope.partnerId !== undefined) span.setAttribute('gateway.partner_id', scope.partnerId);
      if (status === 'aborted' || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    if (logger.isLevelEnabled('info')) {
      const entry = buildAccessLogEntry({
        requestId: scope.id,
        method: req.method,
        url,
        status,
        seconds,
        fastPath: scope.fastPath,
        partnerId: scope.partnerId,
      });
      logger.info(entry, 'request');
    }
  }

  return (listener) => (req, res) => {
    const scope: RequestScope = {
      id: resolveRequestId(req.headers['x-request-id']),
      startedAt: performance.now(),
      fastPath: undefined,
      partnerId: undefined,
      span: undefined,
    };
    // Read now: express's mounted routers rewrite req.url while the request goes through them.
    const url = req.url;
    const route = routeOf(url);
    if (tracing !== undefined) {
      scope.span = tracing.tracer.startSpan(
        `${req.method ?? 'GET'} ${route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'http.route': route, 'gateway.request_id': scope.id } },
        tracing.extract(req.headers),
      );
    }
    // Node emits a response's 'close' once (guarded by its _closed flag): `on` spares once()'s wrapper.
    res.on('close', () => finish(req, res, scope, url, route));
    attachRequestScope(req, scope);
    scopes.enter(scope);
    listener(req, res);
  };
}

function isHtml(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/html');
}
