import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** Root field names of Jobber's schema as the gateway serves it (Subscription is not served). */
export interface JobberRootFields {
  query: ReadonlySet<string>;
  mutation: ReadonlySet<string>;
}

/**
 * What the fast path may do with one (validated document, operationName):
 * - `forward`: every root field of the selected operation is Jobber's, so the client's document can go to
 *   Jobber as it is and Jobber's answer is exactly what stitching would build;
 * - `split`: a query with both Jobber and local root fields (and no introspection at the root): it may be
 *   cut in two (see splitOperation), the Jobber half forwarded and the local half executed here;
 * - `stitch`: anything else (only local or introspection root fields, subscriptions, no single operation).
 */
export type FastPathPlan =
  | { kind: 'forward'; operation: OperationDefinitionNode; isMutation: boolean }
  | { kind: 'split'; operation: OperationDefinitionNode }
  | { kind: 'stitch'; reason: string };

/**
 * Decides the plan of an already validated document. Root fields are collected through inline
 * fragments and fragment spreads at the root (a `... on Query { localField }` is still a local field),
 * whatever their `@skip`/`@include`: deciding on directives would need the variables of each request.
 */
export function planFastPath(document: DocumentNode, operationName: string | null, roots: JobberRootFields): FastPathPlan {
  const operation = selectOperation(document, operationName);
  if (!operation) return { kind: 'stitch', reason: 'no single operation to run' };
  if (operation.operation === 'subscription') return { kind: 'stitch', reason: 'subscription' };
  const allowed = operation.operation === 'mutation' ? roots.mutation : roots.query;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = collectRootFieldNames(operation.selectionSet, fragments, new Set());
  if (names === null) return { kind: 'stitch', reason: 'unknown fragment at the root' };
  if (names.length === 0) return { kind: 'stitch', reason: 'no root field' };
  let local: string | undefined;
  for (const name of names) {
    if (name.startsWith('__')) return { kind: 'stitch', reason: `introspection field ${name} at the root` };
    if (!allowed.has(name)) local ??= name;
  }
  if (local === undefined) return { kind: 'forward', operation, isMutation: operation.operation === 'mutation' };
  if (operation.operation === 'query' && names.some((name) => allowed.has(name))) return { kind: 'split', operation };
  return { kind: 'stitch', reason: `local root field ${local}` };
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

/** Field names selected at the root, through fragments; null when a spread names no fragment. */
function collectRootFieldNames(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visited: Set<string>,
): string[] | null {
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
