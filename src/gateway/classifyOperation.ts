import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { splitOperation, type SplitOperation } from './splitOperation';

/** Root field names of Jobber's schema as the gateway serves it (Subscription is not served). */
export interface JobberRootFields {
  query: ReadonlySet<string>;
  mutation: ReadonlySet<string>;
}

/**
 * The one decision the fast path makes about a (valid document, operationName):
 * - `forward`: every root field of the selected operation is Jobber's (root fragments included), so the
 *   client's document goes to Jobber as it is;
 * - `split`: a query whose root selections are plain fields, some Jobber's and some local: the local half
 *   runs here, the Jobber half is forwarded (see splitOperation);
 * - `stitch`: anything else (local or introspection root fields alone, a mutation mixing both, a root
 *   fragment or `__typename` beside local fields, a subscription, no single operation): Apollo runs it.
 */
export type Classification =
  | { kind: 'forward'; operation: OperationDefinitionNode; isMutation: boolean }
  | { kind: 'split'; operation: OperationDefinitionNode; split: SplitOperation }
  | { kind: 'stitch'; reason: string };

/**
 * Classifies an operation of `document`, which must be parsed from `source` WITH locations (a split cuts
 * the client's text at the nodes' positions) and already valid against the gateway schema. Root fields are
 * collected through root fragments whatever their `@skip`/`@include`: deciding on directives would need
 * each request's variables.
 */
export function classifyOperation(source: string, document: DocumentNode, operationName: string | null, roots: JobberRootFields): Classification {
  const operation = selectOperation(document, operationName);
  if (!operation) return { kind: 'stitch', reason: 'no single operation to run' };
  if (operation.operation === 'subscription') return { kind: 'stitch', reason: 'subscription' };
  const jobber = operation.operation === 'mutation' ? roots.mutation : roots.query;
  const fragments = fragmentsOf(document);
  const names = collectRootFieldNames(operation.selectionSet, fragments, new Set());
  if (names === null) return { kind: 'stitch', reason: 'unknown fragment at the root' };
  if (names.length === 0) return { kind: 'stitch', reason: 'no root field' };
  let local: string | undefined;
  for (const name of names) {
    if (name.startsWith('__')) return { kind: 'stitch', reason: `introspection field ${name} at the root` };
    if (!jobber.has(name)) local ??= name;
  }
  if (local === undefined) return { kind: 'forward', operation, isMutation: operation.operation === 'mutation' };
  if (operation.operation !== 'query') return { kind: 'stitch', reason: `a ${operation.operation} with local root field ${local}` };
  if (!names.some((name) => jobber.has(name))) return { kind: 'stitch', reason: 'only local root fields' };
  if (operation.selectionSet.selections.some((selection) => selection.kind !== Kind.FIELD)) return { kind: 'stitch', reason: 'a fragment at the root beside local fields' };
  const cut = splitOperation(source, document, operation, fragments, roots);
  return cut.kind === 'split' ? { kind: 'split', operation, split: cut.split } : cut;
}

/** The operation GraphQL would run: the named one, or the only one when no name is given. */
export function selectOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  let found: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName === null) {
      if (found) return undefined;
      found = definition;
    } else if (definition.name?.value === operationName) {
      return definition;
    }
  }
  return found;
}

/** The document's fragments by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Jobber's Query and Mutation root field names (its Subscription root is never served). */
export function jobberRootFieldsOf(jobberSchema: GraphQLSchema): JobberRootFields {
  return {
    query: new Set(Object.keys(jobberSchema.getQueryType()?.getFields() ?? {})),
    mutation: new Set(Object.keys(jobberSchema.getMutationType()?.getFields() ?? {})),
  };
}

/** Field names selected at the root, through fragments; null when a spread names no fragment. */
function collectRootFieldNames(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, visited: Set<string>): string[] | null {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      names.push(selection.name.value);
      continue;
    }
    let inner: SelectionSetNode;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = selection.selectionSet;
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment) return null;
      // Validation refuses cycles; this guard only keeps a broken document from looping.
      if (visited.has(name)) continue;
      visited.add(name);
      inner = fragment.selectionSet;
    }
    const nested = collectRootFieldNames(inner, fragments, visited);
    if (nested === null) return null;
    names.push(...nested);
  }
  return names;
}
