import type { Logger } from 'pino';
import type { Store } from '../store/store';

/** Milliseconds since the epoch; injectable so tests can move time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The fetch the gateway uses for every outbound call (Jobber, partner webhooks). */
export type Fetch = typeof fetch;

/** The one typed bag of dependencies passed to everything that does I/O. */
export interface Deps {
  store: Store;
  fetch: Fetch;
  clock: Clock;
  logger: Logger;
}
