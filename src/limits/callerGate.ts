import { isAnonymousAuthorization, resolvePrincipal, type PrincipalSources } from '../auth/resolvePrincipal';
import { hashSecretToken, isSameSecret } from '../auth/secretTokens';
import type { Clock } from '../core/deps';
import { ErrorCode, GatewayError, isGatewayError } from '../errors/gatewayError';
import type { Principal } from '../gateway/requestContext';
import { budgetKeyOf } from './clientAddress';
import { fullBucket, takeToken, tokensAt, type BucketRate, type BucketState } from './tokenBucket';

/** PARTNER_REQUESTS_PER_SECOND and PARTNER_REQUEST_BURST unless configured (README "Limits"). */
export const DEFAULT_PARTNER_BUDGET: Readonly<BucketRate> = Object.freeze({ perSecond: 500, burst: 1000 });
/** UNAUTHENTICATED_REQUESTS_PER_SECOND and UNAUTHENTICATED_REQUEST_BURST unless configured (README "Limits"). */
export const DEFAULT_UNAUTHENTICATED_BUDGET: Readonly<BucketRate> = Object.freeze({ perSecond: 1, burst: 30 });

/** What the gate needs of one request: its credentials and the client address (clientAddressOf). */
export interface CallerRequest {
  authorization: string | undefined;
  accountIdHeader: string | undefined;
  clientAddress: string;
}

export interface CallerGateOptions {
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
  /** How long a failed credential is remembered (ms). Default 60000. */
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
 * (introspection) and failed credentials are counted per client address; when an address has none
 * left, its anonymous requests and its credentials that would need the store (unknown API keys, every
 * session token) are refused before any lookup, while API keys this process already verified still
 * pass. A credential that failed is remembered by its hash for a minute and refused without the store.
 */
export function createCallerGate(options: CallerGateOptions): CallerGate {
  const { principals, clock, perPartner, perClient } = options;
  const maxClients = options.maxClients ?? 10_000;
  const maxUnknown = options.maxUnknownCredentials ?? 10_000;
  const unknownTtlMs = options.unknownCredentialTtlMs ?? 60_000;
  const partners = new Map<string, BucketState>();
  const clients = new Map<string, BucketState>();
  const unknown = new Map<string, { message: string; until: number }>();
  const admitted = new WeakMap<object, Principal>();

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

  function isClientSpent(address: string): boolean {
    if (!perClient || clients.size === 0) return false;
    const bucket = clients.get(budgetKeyOf(address));
    return bucket !== undefined && tokensAt(bucket, clock.now(), perClient) < 1;
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
      if (partners.size >= maxClients * 10) partners.clear();
      partners.set(partnerId, (bucket = fullBucket(perPartner, now)));
    }
    const retryAfterMs = takeToken(bucket, now, perPartner);
    if (retryAfterMs > 0) {
      throw new GatewayError(ErrorCode.RATE_LIMITED, `This partner is past its request budget (${perPartner.perSecond} a second, bursts of ${perPartner.burst}); retry in ${retryAfterMs} ms.`, {
        extensions: { retryAfterMs, limit: 'partnerRequestsPerSecond', maximum: perPartner.perSecond },
      });
    }
  }

  /** A credential this process can accept without the store: the admin key, or an API key it already verified. */
  function isKnownCredential(authorization: string): boolean {
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (credential === undefined) return false;
    if (principals.adminApiKey && isSameSecret(credential, principals.adminApiKey)) return true;
    return credential.startsWith('jgp_') && principals.partners.isKnownKey(credential);
  }

  function rememberedFailure(hash: string): string | undefined {
    const entry = unknown.get(hash);
    if (entry === undefined) return undefined;
    if (entry.until > clock.now()) return entry.message;
    unknown.delete(hash);
    return undefined;
  }

  async function resolveCredentials(request: CallerRequest, authorization: string): Promise<Principal> {
    // Hashing costs ~2 µs: only while some failed credential is remembered.
    const hash = unknown.size > 0 ? hashSecretToken(authorization) : undefined;
    const failedBefore = hash === undefined ? undefined : rememberedFailure(hash);
    if (failedBefore !== undefined) {
      const retryAfterMs = chargeClient(request.clientAddress);
      if (retryAfterMs > 0) throw clientRefused(retryAfterMs);
      throw new GatewayError(ErrorCode.UNAUTHENTICATED, failedBefore);
    }
    if (isClientSpent(request.clientAddress) && !isKnownCredential(authorization)) {
      throw clientRefused(chargeClient(request.clientAddress) || 1);
    }
    try {
      return await resolvePrincipal(authorization, request.accountIdHeader, principals);
    } catch (error) {
      if (isGatewayError(error) && error.code === ErrorCode.UNAUTHENTICATED) {
        if (unknown.size >= maxUnknown) unknown.delete(unknown.keys().next().value as string);
        unknown.set(hash ?? hashSecretToken(authorization), { message: error.message, until: clock.now() + unknownTtlMs });
        chargeClient(request.clientAddress);
      }
      throw error;
    }
  }

  return {
    async admit(request, ticket = request) {
      const known = admitted.get(ticket);
      if (known) return known;
      const { authorization } = request;
      let principal: Principal;
      if (authorization === undefined || isAnonymousAuthorization(authorization)) {
        const retryAfterMs = chargeClient(request.clientAddress);
        if (retryAfterMs > 0) throw clientRefused(retryAfterMs);
        principal = { kind: 'anonymous' };
      } else {
        principal = await resolveCredentials(request, authorization);
        if (principal.kind === 'partner') chargePartner(principal.partner.id);
        else if (principal.kind === 'session') chargePartner(principal.ref.partnerId);
      }
      admitted.set(ticket, principal);
      return principal;
    },

    carryOver(from, to) {
      const principal = admitted.get(from);
      if (principal) admitted.set(to, principal);
    },
  };
}
