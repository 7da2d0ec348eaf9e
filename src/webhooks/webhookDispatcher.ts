import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import { classifyTargetAddress } from './classifyTargetAddress';

/** `dns.lookup` with `all: true` (the form the guard calls); tests pass a table instead of real DNS. */
export type HostLookup = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface WebhookDispatcherOptions {
  /** Allow loopback, private, link-local and other non-public targets (WEBHOOK_ALLOW_PRIVATE_TARGETS; the demo). */
  allowPrivateTargets: boolean;
  /** Default `dns.lookup`. */
  lookup?: HostLookup;
}

/** The code of the error a refused target fails with (found in a fetch error's `cause` chain). */
export const WEBHOOK_TARGET_REFUSED = 'WEBHOOK_TARGET_REFUSED';
const ALLOW_HINT = 'deliveries go to public addresses only (WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows others)';

/** Why a target address is refused, for the dead event's `lastError` and the logs. */
export function describeRefusedAddress(host: string, address: string, range: string): string {
  const where = host === address ? `host ${address}` : `host ${host} resolves to ${address}, which`;
  return `refused: ${where} is a ${range} address; ${ALLOW_HINT}`;
}

/**
 * Checks what can be checked before any DNS: the scheme and a host that is an IP literal (Node connects
 * to a literal without a lookup, so the guard below never sees it). Returns the refusal, or undefined.
 */
export function checkWebhookTargetUrl(url: string, allowPrivateTargets: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'refused: webhookUrl is not an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `refused: webhookUrl scheme ${parsed.protocol} is not http(s)`;
  if (allowPrivateTargets) return undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host.endsWith('.localhost')) return describeRefusedAddress(host, host, 'loopback');
  const verdict = classifyTargetAddress(host);
  if (verdict.range === 'invalid') return undefined; // a name: checked after resolution
  return verdict.allowed ? undefined : describeRefusedAddress(host, host, verdict.range);
}

/**
 * The connection pool partner deliveries go through. Its `connect.lookup` resolves the name once, checks
 * every address it got, and hands exactly those addresses to the socket: a name that resolves to a
 * private address anywhere in its answer is refused, and DNS rebinding cannot swap in another address
 * between the check and the connection, because there is no second resolution.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): Agent {
  const resolve: HostLookup = options.lookup ?? ((hostname, lookupOptions, callback) => dnsLookup(hostname, lookupOptions, callback));
  const lookup = (
    hostname: string,
    lookupOptions: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      if (!options.allowPrivateTargets) {
        for (const { address } of addresses) {
          const verdict = classifyTargetAddress(address);
          if (!verdict.allowed) {
            return callback(Object.assign(new Error(describeRefusedAddress(hostname, address, verdict.range)), { code: WEBHOOK_TARGET_REFUSED }), []);
          }
        }
      }
      if (lookupOptions.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
  return new Agent({ connect: { lookup } });
}

/** The refusal inside a failed fetch (undici wraps connect errors as `cause`), if that is why it failed. */
export function findTargetRefusal(error: unknown): string | undefined {
  // Duck-typed: fetch's errors may come from another realm (Node's own undici), where instanceof Error fails.
  let current = error as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    if (current.code === WEBHOOK_TARGET_REFUSED && typeof current.message === 'string') return current.message;
    current = current.cause as typeof current;
  }
  return undefined;
}
