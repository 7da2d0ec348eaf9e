import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';

/** What the gateway knows about the request being served, wherever its code runs (an await later, deeper down). */
export interface RequestScope {
  /** X-Request-Id: the client's when valid, else generated (requestId.ts). */
  readonly id: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** What the fast path did (its onOutcome), when it saw the request. */
  fastPath: string | undefined;
  /** The partner the credentials named (a key or a session), once known. */
  partnerId: string | undefined;
  /** The request's server span; undefined when tracing is off. */
  span: Span | undefined;
}

/**
 * The current request's scope for code that cannot be handed it: spans of shared work (a token refresh,
 * the pacer's wait) and the logger's `requestId` on lines of modules that do not know the request.
 * Carried by an AsyncLocalStorage of this app (not a module global: several apps share a test process)
 * only while tracing is on. On Node 20 an AsyncLocalStorage in use installs promise hooks for the whole
 * process: measured 476 against 425 µs of gateway CPU per fast-path request (+12 %), the whole cost of
 * the observability work. With tracing off the request path is handed its scope instead
 * (`requestScopeOf(req)`, `JobberRequest.scope`, `RequestContext.scope`) and `current()` is undefined.
 */
export interface RequestScopes {
  /**
   * Makes `scope` the current scope from here on, for everything the request listener starts. Call it
   * in the request listener only: there Node runs with the request's own async resource
   * (HTTPINCOMINGMESSAGE), which the request's body events run in too. `run(scope, listener)` would
   * lose the scope in those events (the front door reads the body there), so everything after the
   * body was read, the forwarder included, would see none.
   */
  enter(scope: RequestScope): void;
  current(): RequestScope | undefined;
}

/** `propagate`: carry the scope through every await (an AsyncLocalStorage); default false. */
export function createRequestScopes(options: { propagate?: boolean } = {}): RequestScopes {
  if (options.propagate !== true) return { enter: () => undefined, current: () => undefined };
  const storage = new AsyncLocalStorage<RequestScope>();
  return {
    enter: (scope) => storage.enterWith(scope),
    current: () => storage.getStore(),
  };
}

const SCOPE = Symbol('requestScope');

/** Keeps `scope` on the request itself (a symbol slot): whoever holds `req` finds it, with or without tracing. */
export function attachRequestScope(req: IncomingMessage, scope: RequestScope): void {
  (req as IncomingMessage & { [SCOPE]?: RequestScope })[SCOPE] = scope;
}

/** The scope the request observer attached to `req`; undefined for a request it did not see (tests of parts). */
export function requestScopeOf(req: IncomingMessage): RequestScope | undefined {
  return (req as IncomingMessage & { [SCOPE]?: RequestScope })[SCOPE];
}

/**
 * A child of `logger` that adds `requestId` to every line written while a request is being served,
 * whichever module writes it (they all log through the app's logger). A line that names its own
 * `requestId` keeps it.
 */
export function createRequestLogger(logger: Logger, scopes: RequestScopes): Logger {
  return logger.child(
    {},
    {
      formatters: {
        log(object: object) {
          const scope = scopes.current();
          return scope === undefined ? object : { requestId: scope.id, ...object };
        },
      },
    },
  );
}
