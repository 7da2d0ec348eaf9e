import { createHash } from 'node:crypto';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Client credentials the token endpoint refused (`invalid_client`), kept by a one-way fingerprint, never
 * the secret. While a pair is refused, no installation using it calls the endpoint again; new
 * credentials have another fingerprint and are tried at once. Bounded (cleared whole when full).
 */
export interface ClientRefusals {
  /** ms until this pair may be tried again; undefined when it is not refused now. */
  remainingMs(credentials: ClientCredentials, now: number): number | undefined;
  /** Records a refusal for `backoffMs`; true the first time this pair is refused (log it then, once). */
  record(credentials: ClientCredentials, now: number, backoffMs: number): boolean;
}

export function createClientRefusals(capacity = 100_000): ClientRefusals {
  const until = new Map<string, number>();
  const reported = new Set<string>();
  const fingerprint = (credentials: ClientCredentials): string =>
    createHash('sha256').update(`${credentials.clientId}\u0000${credentials.clientSecret}`).digest('base64url');
  return {
    remainingMs(credentials, now) {
      const key = fingerprint(credentials);
      const end = until.get(key);
      if (end === undefined) return undefined;
      if (now < end) return end - now;
      until.delete(key);
      return undefined;
    },
    record(credentials, now, backoffMs) {
      const key = fingerprint(credentials);
      if (until.size >= capacity) until.clear();
      until.set(key, now + backoffMs);
      if (reported.has(key)) return false;
      if (reported.size >= capacity) reported.clear();
      reported.add(key);
      return true;
    },
  };
}
