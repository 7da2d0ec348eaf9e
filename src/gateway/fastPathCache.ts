import { Kind, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { parseWithinLimits } from '../limits/parseWithinLimits';
import { withDefaultLimits, type QueryLimits } from '../limits/queryLimits';
import { classifyOperation, jobberRootFieldsOf } from './classifyOperation';
import { withoutTokens } from './withoutTokens';
import type { SplitOperation } from './splitOperation';

export interface FastPathCacheOptions {
  /** The stitched schema Apollo serves: a document must be valid against it (Apollo's own verdict). */
  gatewaySchema: GraphQLSchema;
  /** Jobber's schema: a forwarded document goes to Jobber as it is, so it must be valid there too. */
  jobberSchema: GraphQLSchema;
  /** The gateway's own schema (with resolvers): the local half of a split operation must be valid there. */
  localSchema: GraphQLSchema;
  /** Most query texts remembered (least recently used dropped first). Default 1000. */
  maxEntries?: number;
  /**
   * Most characters of query text remembered, all entries together (least recently used dropped first).
   * A cached document costs a few times its text in memory. Default 8 MiB (8388608).
   */
  maxBytes?: number;
  /** Longer query texts are classified on every request and never kept. Default 65536 characters. */
  maxCachedQueryLength?: number;
  /** Operations classified per document; a document with more goes to Apollo whole. Default 16. */
  maxOperations?: number;
  /**
   * Parser and validation limits (DEFAULT_QUERY_LIMITS for those not given), checked before the standard
   * validation rules. A text past one goes to Apollo, which refuses it with the same QUERY_TOO_COMPLEX
   * (queryLimitsPlugin); the decision is cached like any other, so the checks run once per query text.
   */
  limits?: Partial<QueryLimits>;
}

/** What the fast path does with one query text and operation name (see classifyOperation). */
export type FastPathLookup =
  | { kind: 'stitch'; reason: string }
  | { kind: 'forward'; document: DocumentNode; operation: OperationDefinitionNode; isMutation: boolean }
  | { kind: 'split'; document: DocumentNode; operation: OperationDefinitionNode; split: SplitOperation };

export interface FastPathCache {
  /** The decision for one query text and operation name: parsed, validated and classified once per query text. */
  lookup(query: string, operationName: string | null): FastPathLookup;
  readonly size: number;
  /** Characters of query text held. */
  readonly bytes: number;
}

interface Entry {
  /** By operation name (null: none given); a name not in it was not in the document. */
  lookups: ReadonlyMap<string | null, FastPathLookup>;
  /** Why every name not in `lookups` goes to Apollo. */
  otherwise: FastPathLookup;
}

/**
 * Query text -> its decisions, in an LRU bounded by entries and by characters (a Map in recency order:
 * a hit moves the entry to the end, the first entry is the least recently used). The text is parsed
 * once, with locations (a split cuts the text at them), and every operation of the document is classified
 * then; what is kept holds no parser tokens. Callers only reach it after authenticating.
 */
export function createFastPathCache(options: FastPathCacheOptions): FastPathCache {
  const maxEntries = options.maxEntries ?? 1000;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const maxCachedQueryLength = options.maxCachedQueryLength ?? 65_536;
  const maxOperations = options.maxOperations ?? 16;
  const limits = withDefaultLimits(options.limits);
  const roots = jobberRootFieldsOf(options.jobberSchema);
  const entries = new Map<string, Entry>();
  let bytes = 0;

  function analyse(query: string): Entry {
    const stitch = (reason: string): Entry => ({ lookups: new Map(), otherwise: { kind: 'stitch', reason } });
    const within = parseWithinLimits(query, limits);
    if (within.kind === 'syntax') return stitch('does not parse');
    if (within.kind === 'too_complex') return stitch(`past the ${String(within.error.extensions.limit)} limit`);
    const parsed: DocumentNode = within.document;
    // Counted before validating: Apollo answers a document of many operations either way, and validating
    // 300 of them here as well doubled the time one such request held the event loop (hostile suite).
    const operations = parsed.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length > maxOperations) return stitch(`more than ${maxOperations} operations`);
    if (!isValid(options.gatewaySchema, parsed)) return stitch('not valid');
    const names: (string | null)[] = operations.length === 1 ? [null] : [];
    for (const operation of operations) if (operation.name) names.push(operation.name.value);
    const light = withoutTokens(parsed);
    let validForJobber: boolean | undefined;
    const lookups = new Map<string | null, FastPathLookup>();
    for (const name of names) {
      const decision = classifyOperation(query, parsed, name, roots);
      const key = name;
      if (decision.kind === 'stitch') {
        lookups.set(key, decision);
      } else if (decision.kind === 'forward') {
        validForJobber ??= isValid(options.jobberSchema, light);
        const operation = lightOperation(light, parsed, decision.operation);
        lookups.set(key, validForJobber ? { kind: 'forward', document: light, operation, isMutation: decision.isMutation } : { kind: 'stitch', reason: 'not valid for Jobber alone' });
      } else {
        // Both halves are checked against the schema that will run them: a cut that is not valid is never sent.
        const { split } = decision;
        if (!isValid(options.jobberSchema, split.jobberDocument)) lookups.set(key, { kind: 'stitch', reason: 'the Jobber half is not valid' });
        else if (!isValid(options.localSchema, split.localDocument)) lookups.set(key, { kind: 'stitch', reason: 'the local half is not valid' });
        else lookups.set(key, { kind: 'split', document: light, operation: lightOperation(light, parsed, decision.operation), split });
      }
    }
    return { lookups, otherwise: { kind: 'stitch', reason: 'no single operation by that name' } };
  }

  return {
    lookup(query, operationName) {
      let entry = entries.get(query);
      if (entry) {
        entries.delete(query);
        entries.set(query, entry);
      } else {
        entry = analyse(query);
        if (query.length <= maxCachedQueryLength) {
          entries.set(query, entry);
          bytes += query.length;
          while (entries.size > maxEntries || bytes > maxBytes) {
            const oldest = entries.keys().next().value as string;
            entries.delete(oldest);
            bytes -= oldest.length;
          }
        }
      }
      return entry.lookups.get(operationName) ?? entry.otherwise;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}

/**
 * Valid or not: the fast path only decides, Apollo reports the errors of what it hands over. Validation
 * stops at the first error, so an invalid document (a thousand unknown fields) is not checked through
 * twice with all its errors, once here and once by Apollo.
 */
function isValid(schema: GraphQLSchema, document: DocumentNode): boolean {
  return validate(schema, document, undefined, { maxErrors: 1 }).length === 0;
}

/** The copy in `light` of `operation` (a definition of `parsed`, same index). */
function lightOperation(light: DocumentNode, parsed: DocumentNode, operation: OperationDefinitionNode): OperationDefinitionNode {
  return light.definitions[parsed.definitions.indexOf(operation)] as OperationDefinitionNode;
}

