import {
  getDirectiveValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isNonNullType,
  Kind,
  locatedError,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';
import type { JobberResponse } from './jobberForwardTypes';

/** One root response key as graphql-js executes it: its field nodes (same key, merged) and nullability. */
export interface RootField {
  key: string;
  /** The field's name in the schema (the first node's: validation makes every node of a key the same field). */
  name: string;
  nodes: FieldNode[];
  nonNull: boolean;
}

/** What one Jobber call gave: an answer (any JSON object), or a throw (a GatewayError, or a bug). */
export type JobberOutcome = { kind: 'answered'; json: JobberResponse; text: string } | { kind: 'threw'; error: unknown };

/** The answer of some root fields before formatting: `data` null when a non-null root field failed. */
export interface RootResult {
  data: Record<string, unknown> | null;
  /** Errors of root fields that are nullable (or of fields inside data), in the order they are reported. */
  errors: GraphQLError[];
  /** The error of the first non-null root field that failed (then `data` is null). */
  fatal?: GraphQLError;
}

/**
 * The root fields of an operation as graphql-js collects them for execution: fragments at the root
 * flattened, `@skip`/`@include` applied with the request's coerced variables, fields of one response key
 * merged, first occurrence first.
 */
export function collectRootFields(
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): RootField[] {
  const byKey = new Map<string, RootField>();
  const fieldDefs = rootType.getFields();
  const visited = new Set<string>();
  const included = (node: FieldNode | FragmentDefinitionNode | SelectionSetNode['selections'][number]) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true && getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const known = byKey.get(key);
        if (known) known.nodes.push(selection);
        else byKey.set(key, { key, name: selection.name.value, nodes: [selection], nonNull: isNonNullType(fieldDefs[selection.name.value]?.type) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return [...byKey.values()];
}

/**
 * Jobber's outcome for `fields` as the stitching path answers it (the rules below were read off
 * @graphql-tools/delegate and batch-execute 10 with graphql-js 16, and are checked by the fast path corpus):
 * - a throw: every root field fails with that error, located at its field nodes;
 * - an answer with data: only errors with a path are reported, as `{ message, path, extensions }` (their
 *   locations, which point into the document stitching sent, are dropped);
 * - an answer without data: each root field gets the errors whose path starts at its key (with one root
 *   field, all of them) and those without a path. One error is relocated to the field (message, path,
 *   extensions); several become one masked INTERNAL_SERVER_ERROR; none leaves the field null.
 * Returns null when stitching would answer Jobber's data and no error (the answer is Jobber's as is).
 * `rootFields` is called only when there is a failure to shape.
 */
export function shapeLikeStitching(rootFields: () => readonly RootField[], outcome: JobberOutcome, serial: boolean): RootResult | null {
  if (outcome.kind === 'threw') {
    return assemble(rootFields(), serial, (field) => locatedError(outcome.error, field.nodes, [field.key]));
  }
  const { json } = outcome;
  const errors = json.errors ?? [];
  if (json.data !== undefined && json.data !== null) {
    // The common case costs nothing more: root fields are only collected for a failure.
    if (errors.length === 0) return null;
    const located = errors.filter((error) => Array.isArray(pathOf(error))).map((error) => relocate(error, pathOf(error)!));
    return { data: json.data, errors: located };
  }
  const fields = rootFields();
  return assemble(fields, serial, (field) => {
    const own = fields.length === 1 ? errors : errors.filter((error) => pathOf(error)?.[0] === field.key || pathOf(error) === undefined);
    if (own.length === 1) return relocate(own[0]!, [field.key]);
    // graphql-tools combines several errors into an AggregateError, which the gateway's formatError masks.
    if (own.length > 1) return locatedError(new AggregateError(own, own.map((error) => error.message).join(', \n')), field.nodes, [field.key]);
    if (!field.nonNull) return null;
    return locatedError(new Error(`Cannot return null for non-nullable field ${field.key}.`), field.nodes, [field.key]);
  });
}

/**
 * graphql-js's root assembly when root fields fail together: a query's fields settle at once, errors of
 * nullable fields are reported as they settle (the nullable ones first: their promise chains are shorter)
 * and only the first non-null failure is kept, nulling `data`; a mutation's fields run one after another
 * and stop at the first non-null failure.
 */
function assemble(fields: readonly RootField[], serial: boolean, errorOf: (field: RootField) => GraphQLError | null): RootResult {
  const data: Record<string, unknown> = {};
  const errors: GraphQLError[] = [];
  let fatal: GraphQLError | undefined;
  for (const field of fields) {
    const error = errorOf(field);
    if (error === null) {
      data[field.key] = null;
    } else if (!field.nonNull) {
      data[field.key] = null;
      errors.push(error);
    } else {
      fatal ??= error;
      if (serial) break;
    }
  }
  return fatal ? { data: null, errors, fatal } : { data, errors };
}

/** A Jobber error moved to `path` the way graphql-tools relocates it: message and extensions, no locations. */
function relocate(error: NonNullable<JobberResponse['errors']>[number], path: readonly (string | number)[]): GraphQLError {
  const extensions = (error as { extensions?: unknown }).extensions;
  return new GraphQLError(String(error.message), { path, ...(extensions && typeof extensions === 'object' ? { extensions: extensions as Record<string, unknown> } : {}) });
}

function pathOf(error: unknown): (string | number)[] | undefined {
  const path = (error as { path?: unknown }).path;
  return Array.isArray(path) ? (path as (string | number)[]) : undefined;
}
