import { Kind, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { InvalidationChannel } from '../store/invalidationChannel';
import { isSha256Hex, sha256Hex } from './persistedQueryExtension';
import type { TrustedDocument, TrustedDocumentsPage, TrustedDocumentStore } from './trustedDocumentStore';

/** Documents one registerTrustedDocuments call may carry (the CLI sends larger manifests in batches). */
export const MAX_DOCUMENTS_PER_CALL = 100;
/** Tokens the parser reads of one document before it gives up (graphql-js's `maxTokens`). */
export const MAX_DOCUMENT_TOKENS = 10_000;

export interface TrustedDocumentLimits {
  /** Documents one partner may hold. Default 1000 (TRUSTED_DOCUMENTS_MAX). */
  maxDocuments: number;
  /** Largest document, in UTF-8 bytes. Default 65536 (TRUSTED_DOCUMENT_MAX_BYTES). */
  maxDocumentBytes: number;
}

export const DEFAULT_TRUSTED_DOCUMENT_LIMITS: TrustedDocumentLimits = { maxDocuments: 1000, maxDocumentBytes: 65_536 };

export interface TrustedDocumentsPolicyView {
  trustedDocumentsOnly: boolean;
  documentCount: number;
  maxDocuments: number;
  maxDocumentBytes: number;
}

export interface TrustedDocumentInput {
  body: string;
  sha256Hash?: string | null;
  name?: string | null;
}

/** What the local resolvers need: a partner's trusted documents and its switch. */
export interface TrustedDocuments {
  register(partnerId: string, inputs: readonly TrustedDocumentInput[]): Promise<TrustedDocument[]>;
  list(partnerId: string, page: { first: number; after?: string | null }): Promise<TrustedDocumentsPage>;
  remove(partnerId: string, hashes: readonly string[]): Promise<number>;
  policy(partnerId: string): Promise<TrustedDocumentsPolicyView>;
  setOnly(partnerId: string, enabled: boolean): Promise<TrustedDocumentsPolicyView>;
}

export interface TrustedDocumentsOptions {
  documents: TrustedDocumentStore;
  /** The schema documents must be valid against: the gateway's stitched schema (built after the local one, hence a getter). */
  schema(): GraphQLSchema;
  /** Tells every process (and this one's cache) that the partner's documents or switch changed. */
  invalidation: Pick<InvalidationChannel, 'publish'>;
  limits?: Partial<TrustedDocumentLimits>;
}

/** One refused document of a registration: its place in the list and why. */
interface InvalidDocument {
  index: number;
  name: string | null;
  message: string;
}

/**
 * Registration, listing, removal and the switch. A registration is all or nothing: every document is
 * checked first (size, hash, parse, validation against the gateway schema, one at a time with a yield
 * between them so other requests go on), then stored. Every change is announced on the invalidation
 * channel (`partner` kind), so processes drop the partner's cached policy at once.
 */
export function createTrustedDocuments(options: TrustedDocumentsOptions): TrustedDocuments {
  const { documents, invalidation } = options;
  const limits = { ...DEFAULT_TRUSTED_DOCUMENT_LIMITS, ...options.limits };
  const announce = (partnerId: string) => invalidation.publish({ kind: 'partner', partnerId });

  async function view(partnerId: string): Promise<TrustedDocumentsPolicyView> {
    const [policy, documentCount] = await Promise.all([documents.readPolicy(partnerId), documents.count(partnerId)]);
    return { trustedDocumentsOnly: policy.only, documentCount, maxDocuments: limits.maxDocuments, maxDocumentBytes: limits.maxDocumentBytes };
  }

  function check(input: TrustedDocumentInput, index: number): { ok: true; document: { sha256Hash: string; body: string; name: string | null } } | { ok: false; invalid: InvalidDocument } {
    const given = input.name?.trim() || null;
    // Named in errors by its given name, else its first operation's name as written (it may not parse).
    const shown = given ?? /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(input.body.slice(0, 1000))?.[1] ?? null;
    const invalid = (message: string) => ({ ok: false as const, invalid: { index, name: shown, message } });
    if (given !== null && given.length > 200) return invalid('name must be at most 200 characters.');
    const bytes = Buffer.byteLength(input.body, 'utf8');
    if (bytes > limits.maxDocumentBytes) return invalid(`the body is ${bytes} bytes; at most ${limits.maxDocumentBytes} are accepted.`);
    const hash = sha256Hex(input.body);
    if (input.sha256Hash !== undefined && input.sha256Hash !== null) {
      if (!isSha256Hex(input.sha256Hash)) return invalid('sha256Hash must be 64 hexadecimal characters (the SHA-256 of body).');
      if (input.sha256Hash.toLowerCase() !== hash) return invalid(`sha256Hash is not the SHA-256 of body (that is ${hash}).`);
    }
    let document: DocumentNode;
    try {
      document = parse(input.body, { noLocation: true, maxTokens: MAX_DOCUMENT_TOKENS });
    } catch (error) {
      return invalid(`it does not parse: ${(error as Error).message}`);
    }
    const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length === 0) return invalid('it has no operation.');
    const errors = validate(options.schema(), document, undefined, { maxErrors: 3 });
    if (errors.length > 0) return invalid(`it is not valid against the gateway's schema: ${errors.map((error) => error.message).join(' ')}`);
    const first = operations[0];
    const name = given ?? (first?.kind === Kind.OPERATION_DEFINITION ? (first.name?.value ?? null) : null);
    return { ok: true, document: { sha256Hash: hash, body: input.body, name } };
  }

  return {
    async register(partnerId, inputs) {
      if (inputs.length === 0) return [];
      if (inputs.length > MAX_DOCUMENTS_PER_CALL) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `At most ${MAX_DOCUMENTS_PER_CALL} documents per call; send them in batches.`, {
          extensions: { maximumDocumentsPerCall: MAX_DOCUMENTS_PER_CALL },
        });
      }
      const valid: { sha256Hash: string; body: string; name: string | null }[] = [];
      const invalid: InvalidDocument[] = [];
      for (const [index, input] of inputs.entries()) {
        // Validation against Jobber's large schema takes a while per document: let other requests in between.
        if (index > 0) await new Promise((resolve) => setImmediate(resolve));
        const checked = check(input, index);
        if (checked.ok) valid.push(checked.document);
        else invalid.push(checked.invalid);
      }
      if (invalid.length > 0) {
        const named = invalid.slice(0, 5).map((entry) => `documents[${entry.index}]${entry.name ? ` (${entry.name})` : ''}: ${entry.message}`);
        throw new GatewayError(
          ErrorCode.BAD_USER_INPUT,
          `${invalid.length} of ${inputs.length} documents cannot be registered; nothing was registered. ${named.join(' ')}${invalid.length > 5 ? ' …' : ''}`,
          { extensions: { invalidDocuments: invalid } },
        );
      }
      const stored = await documents.add(partnerId, valid, limits.maxDocuments);
      await announce(partnerId);
      return stored;
    },

    list: (partnerId, page) => documents.list(partnerId, page),

    async remove(partnerId, hashes) {
      if (hashes.length > MAX_DOCUMENTS_PER_CALL) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `At most ${MAX_DOCUMENTS_PER_CALL} hashes per call.`);
      const bad = hashes.find((hash) => !isSha256Hex(hash));
      if (bad !== undefined) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Each hash must be 64 hexadecimal characters (a SHA-256).');
      const removed = await documents.remove(partnerId, hashes.map((hash) => hash.toLowerCase()));
      await announce(partnerId);
      return removed;
    },

    policy: view,

    async setOnly(partnerId, enabled) {
      await documents.setOnly(partnerId, enabled);
      await announce(partnerId);
      return view(partnerId);
    },
  };
}
