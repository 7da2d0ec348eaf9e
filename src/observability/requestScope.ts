import { AsyncLocalStorage } from 'node:async_hooks';
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
 * The current request's scope, carried by an AsyncLocalStorage of this app (not a module global:
 * several apps share a test process). It lets the forwarder, the token client and the loggers find
 * the request they serve without every signature between the front door and them carrying it.
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

export function createRequestScopes(): RequestScopes {
  const storage = new AsyncLocalStorage<RequestScope>();
  return {
    enter: (scope) => storage.enterWith(scope),
    current: () => storage.getStore(),
  };
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
