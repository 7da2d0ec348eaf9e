import Negotiator from 'negotiator';

/** The media types Apollo picks from for a single result (its MEDIA_TYPES, in its order). */
export const RESPONSE_TYPES = {
  json: 'application/json; charset=utf-8',
  graphqlResponseJson: 'application/graphql-response+json; charset=utf-8',
  jsonCallback: 'application/json; callbackSpec=1.0; charset=utf-8',
} as const;
const CANDIDATES = [RESPONSE_TYPES.json, RESPONSE_TYPES.graphqlResponseJson, RESPONSE_TYPES.jsonCallback];

export interface ResponseTypeNegotiatorOptions {
  /** Distinct Accept values remembered (clients send a handful). Default 64. */
  maxEntries?: number;
  /** Longer Accept values are negotiated every time and not kept. Default 512 characters. */
  maxAcceptLength?: number;
}

/**
 * The response media type for an Accept header, decided as Apollo decides it for a single result (GraphQL
 * over HTTP: `application/graphql-response+json` when the client prefers it, `application/json` when it
 * prefers that or sends no Accept), or null when neither is acceptable (Apollo answers that: 406, or
 * multipart for incremental delivery). Negotiator parses the header on every call, so the decision is
 * kept per Accept value in a small bounded map (oldest dropped first).
 */
export function createResponseTypeNegotiator(options: ResponseTypeNegotiatorOptions = {}): (accept: string | undefined) => string | null {
  const maxEntries = options.maxEntries ?? 64;
  const maxAcceptLength = options.maxAcceptLength ?? 512;
  const decided = new Map<string, string | null>();
  return (accept) => {
    if (!accept) return RESPONSE_TYPES.json;
    const known = decided.get(accept);
    if (known !== undefined) return known;
    const chosen = new Negotiator({ headers: { accept } }).mediaType(CANDIDATES) ?? null;
    if (accept.length <= maxAcceptLength) {
      if (decided.size >= maxEntries) decided.delete(decided.keys().next().value as string);
      decided.set(accept, chosen);
    }
    return chosen;
  };
}
