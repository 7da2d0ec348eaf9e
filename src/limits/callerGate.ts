import { isAnonymousAuthorization, resolvePrincipal, type PrincipalSources } from '../auth/resolvePrincipal';
import { hashSecretToken } from '../auth/secretTokens';
import type { Clock } from '../core/deps';
import { ErrorCode, GatewayError, isGatewayError } from '../errors/gatewayError';
import type { Principal } from '../gateway/requestContext';
import { budgetKeyOf } from './clientAddress';
import { fullBucket, takeToken, type BucketRate, type BucketState } from './tokenBucket';

/** PARTNER_REQUESTS_PER_SECOND and PARTNER_REQUEST_BURST unless configured (README "Limits"). */
export const DEFAULT_PARTNER_BUDGET: Readonly<BucketRate> = Object.freeze({ perSecond: 500, burst: 1000 });
/** UNAUTHENTICATED_REQUESTS_PER_SECOND and UNAUTHENTICATED_REQUEST_BURST unless configured (README "Limits"). */
export const DEFAULT_UNAUTHENTICATED_BUDGET: Readonly<BucketRate> = Object.freeze({ perSecond: 1, burst: 30 });

const MAX_PARTNER_BUCKETS = 100_000;

/** Where an admission is remembered: a symbol-keyed slot on the ticket object (the request), cheaper than a WeakMap per request. */
const ADMITTED = Symbol('admitted principal');
type Admitted = { [ADMITTED]?: Principal };

/** What the gate needs of one request: its credentials and the client address (clientAddressOf). */
export interface CallerRequest {
  authorization: string | undefined;
  accountIdHeader: string | undefined;
  clientAddress: string;
}

export interface CallerGateOptions {
  /** The admin key and the lookups; `authenticate` must call `beforeStoreRead` before it reads the store (PartnerRegistry does). */
  principals: PrincipalSources;
  clock: Clock;
  /** Requests one partner may make, its API keys and its account sessions together, in this process. null: no budget. */
  perPartner: BucketRate | null;
  /** Anonymous requests and failed credentials one client address may send, in this process. null: no budget. */
  perClient: BucketRate | null;
  /** Client addresses tracked at most, least recently seen dropped first. Default 10000. */
  maxClients?: number;
  /** Credentials that failed, remembered by hash so a repeated one costs no store read. Default 10000. */
  maxUnknownCredentials?: number;
  /**
   * How long a failed credential is remembered (ms): as long as the other caches trust memory
   * (CACHE_RECHECK_MS), so a remembered refusal is never staler than a remembered acceptance. Default 2000.
   */
  unknownCredentialTtlMs?: number;
}

export interface CallerGate {
  /**
   * Who calls, within the budgets, before anything of the request is parsed: the principal, or a
   * GatewayError (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, STORE_UNAVAILABLE). `ticket` is the object the
   * admission is remembered by (default the request): a second admit with the same ticket answers the same
   * principal and charges nothing.
   */
  admit(request: CallerRequest, ticket?: object): Promise<Principal>;
  /** The admission made under `from` also holds under `to` (the fast path hands a request to Apollo). */
  carryOver(from: object, to: object): void;
}

/**
 * Budgets per process, in memory: a partner's bucket costs one Map lookup and no store round trip on
 * the hot path, so N gateway processes allow N times the budget (README "Limits"). Anonymous requests
 * (introspection) and failed credentials are counted per client address: a credential whose check needs
 * the store (an API key this process has not verified lately, every session token) takes a token before
 * the read and gives it back when valid, so when an address has none left its guesses are refused before
 * any lookup, concurrent ones included, while API keys this process verified still pass. A credential
 * that failed is remembered by its hash (for CACHE_RECHECK_MS) and refused again without the store and
 * without charging the address: it costs nothing.
 */
export function createCallerGate(options: CallerGateOptions): CallerGate {
  const { principals, clock, perPartner, perClient } = options;
  const maxClients = options.maxClients ?? 10_000;
  const maxUnknown = options.maxUnknownCredentials ?? 10_000;
  const unknownTtlMs = options.unknownCredentialTtlMs ?? 2_000;
  const partners = new Map<string, BucketState>();
  const clients = new Map<string, BucketState>();
  const unknown = new Map<string, { message: string; until: number }>();

  /** 0 when the client had a token (taken), else the ms until it has one. */
  function chargeClient(address: string): number {
    if (!perClient) return 0;
    const key = budgetKeyOf(address);
    const now = clock.now();
    const bucket = clients.get(key) ?? fullBucket(perClient, now);
    clients.delete(key);
    clients.set(key, bucket);
    if (clients.size > maxClients) clients.delete(clients.keys().next().value as string);
    return takeToken(bucket, now, perClient);
  }

  function clientRefused(retryAfterMs: number): GatewayError {
    return new GatewayError(ErrorCode.RATE_LIMITED, `Too many anonymous requests or failed credentials from this address; retry in ${retryAfterMs} ms.`, {
      extensions: { retryAfterMs, limit: 'unauthenticatedRequestsPerSecond', maximum: perClient?.perSecond },
    });
  }

  function chargePartner(partnerId: string): void {
    if (!perPartner) return;
    const now = clock.now();
    let bucket = partners.get(partnerId);
    if (!bucket) {
      // One bucket per partner that called; a flood of partners is not possible (each needs a key), so a plain bound.
      if (partners.size >= MAX_PARTNER_BUCKETS) partners.clear();
      partners.set(partnerId, (bucket = fullBucket(perPartner, now)));
    }
    const retryAfterMs = takeToken(bucket, now, perPartner);
    if (retryAfterMs > 0) {
      throw new GatewayError(ErrorCode.RATE_LIMITED, `This partner is past its request budget (${perPartner.perSecond} a second, bursts of ${perPartner.burst}); retry in ${retryAfterMs} ms.`, {
        extensions: { retryAfterMs, limit: 'partnerRequestsPerSecond', maximum: perPartner.perSecond },
      });
    }
  }

  function refundClient(address: string): void {
    const bucket = perClient ? clients.get(budgetKeyOf(address)) : undefined;
    if (perClient && bucket) bucket.tokens = Math.min(perClient.burst, bucket.tokens + 1);
  }

  function rememberedFailure(hash: string): string | undefined {
    const entry = unknown.get(hash);
    if (entry === undefined) return undefined;
    if (entry.until > clock.now()) return entry.message;
    unknown.delete(hash);
    return undefined;
  }

  /**
   * The credential's principal, within the budgets, remembered on `holder`. A lookup that needs the store
   * (an API key this process has not verified lately, any session token) first takes a token from the
   * client's budget, so concurrent guesses are counted before they are read, not after; a credential that
   * turns out valid gives it back.
   */
  async function resolveCredentials(request: CallerRequest, authorization: string, holder: Admitted): Promise<Principal> {
    // Hashing costs ~2 µs: only while some failed credential is remembered.
    const hash = unknown.size > 0 ? hashSecretToken(authorization) : undefined;
    const failedBefore = hash === undefined ? undefined : rememberedFailure(hash);
    // Refused from memory: it costs no store read, so it takes nothing from the client's budget.
    if (failedBefore !== undefined) throw new GatewayError(ErrorCode.UNAUTHENTICATED, failedBefore);
    let charged = false;
    const beforeStoreRead = () => {
      const retryAfterMs = chargeClient(request.clientAddress);
      if (retryAfterMs > 0) throw clientRefused(retryAfterMs);
      charged = perClient !== null;
    };
    let principal: Principal;
    try {
      principal = await resolvePrincipal(authorization, request.accountIdHeader, principals, beforeStoreRead);
    } catch (error) {
      if (isGatewayError(error) && error.code === ErrorCode.UNAUTHENTICATED) {
        if (unknown.size >= maxUnknown) unknown.delete(unknown.keys().next().value as string);
        unknown.set(hash ?? hashSecretToken(authorization), { message: error.message, until: clock.now() + unknownTtlMs });
        if (!charged) chargeClient(request.clientAddress);
      } else if (charged) {
        // A valid credential refused for another reason (a disabled partner) or a store outage: not a guess.
        refundClient(request.clientAddress);
      }
      throw error;
    }
    if (charged) refundClient(request.clientAddress);
    if (principal.kind === 'partner') chargePartner(principal.partner.id);
    else if (principal.kind === 'session') chargePartner(principal.ref.partnerId);
    holder[ADMITTED] = principal;
    return principal;
  }

  return {
    admit(request, ticket = request) {
      const holder = ticket as Admitted;
      const known = holder[ADMITTED];
      if (known) return Promise.resolve(known);
      const { authorization } = request;
      if (authorization !== undefined && !isAnonymousAuthorization(authorization)) return resolveCredentials(request, authorization, holder);
      const retryAfterMs = chargeClient(request.clientAddress);
      if (retryAfterMs > 0) return Promise.reject(clientRefused(retryAfterMs));
      const anonymous: Principal = { kind: 'anonymous' };
      holder[ADMITTED] = anonymous;
      return Promise.resolve(anonymous);
    },

    carryOver(from, to) {
      const principal = (from as Admitted)[ADMITTED];
      if (principal) (to as Admitted)[ADMITTED] = principal;
    },
  };
}
