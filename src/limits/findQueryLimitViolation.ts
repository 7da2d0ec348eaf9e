import { Kind, type DirectiveNode, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { QueryLimits, QueryLimitViolation } from './queryLimits';

/** Thrown inside the walk to stop it at the first limit passed (caught below; never escapes). */
class LimitPassed {
  constructor(readonly violation: QueryLimitViolation) {}
}

/**
 * The first of `limits` (apart from maxTokens, which scanQueryText checks on the text) that a parsed
 * document is past, or null. Runs before the standard validation rules, on documents that may be
 * invalid in any way (unknown fragments, fragment cycles, anything): it never throws and never loops.
 *
 * Fields are walked the way execution merges them: at each place of the response, the selections of
 * every field merged there (same response key), their inline fragments, and each fragment they spread
 * once (the 24-level fragment bomb of issue 12, each fragment spreading the previous one twice, is 48
 * steps). A fragment spread at several places is walked at each. Every step is counted against
 * maxSelections and the walk stops when it is passed, so it is linear in maxSelections whatever the
 * document; it is iterative inside a place and recursive only per depth level (at most maxDepth + 1).
 * Type conditions are ignored: fields of sibling fragments on different types are merged as if they
 * could meet, which can only over-count. Pure.
 */
export function findQueryLimitViolation(document: DocumentNode, limits: Omit<QueryLimits, 'maxTokens'>): QueryLimitViolation | null {
  try {
    checkDirectives(document, limits.maxDirectives);
    walkOperations(document, limits);
    return null;
  } catch (error) {
    if (error instanceof LimitPassed) return error.violation;
    throw error;
  }
}

function walkOperations(document: DocumentNode, limits: Omit<QueryLimits, 'maxTokens'>): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // Document-wide counts: validation and execution planning work on the whole document.
  let selections = 0;
  let aliases = 0;

  /** One place of the response: the selection sets merged there, whose fields are `depth` deep. */
  const walkPlace = (sets: SelectionSetNode[], depth: number, counted: { rootFields: number } | null): void => {
    if (depth > limits.maxDepth) throw new LimitPassed({ limit: 'maxDepth', maximum: limits.maxDepth });
    const repeats = new Map<string, number>();
    const below = new Map<string, SelectionSetNode[]>();
    const spread = new Set<string>();
    const pending = [...sets];
    for (let set = pending.pop(); set !== undefined; set = pending.pop()) {
      for (const selection of set.selections) {
        if (++selections > limits.maxSelections) throw new LimitPassed({ limit: 'maxSelections', maximum: limits.maxSelections });
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          pending.push(selection.selectionSet);
        } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !spread.has(name)) pending.push(fragment.selectionSet);
          spread.add(name);
        } else {
          const key = selection.alias?.value ?? selection.name.value;
          if (selection.alias && ++aliases > limits.maxAliases) throw new LimitPassed({ limit: 'maxAliases', maximum: limits.maxAliases });
          if (counted && ++counted.rootFields > limits.maxRootFields) throw new LimitPassed({ limit: 'maxRootFields', maximum: limits.maxRootFields });
          const times = (repeats.get(key) ?? 0) + 1;
          if (times > limits.maxFieldRepeats) throw new LimitPassed({ limit: 'maxFieldRepeats', maximum: limits.maxFieldRepeats });
          repeats.set(key, times);
          if (selection.selectionSet) {
            const merged = below.get(key);
            if (merged) merged.push(selection.selectionSet);
            else below.set(key, [selection.selectionSet]);
          }
        }
      }
    }
    for (const merged of below.values()) walkPlace(merged, depth + 1, null);
  };

  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) walkPlace([definition.selectionSet], 1, { rootFields: 0 });
  }
}

/** Every node that can carry directives, as written (fragments once): at most `maxDirectives` each. Iterative. */
function checkDirectives(document: DocumentNode, maxDirectives: number): void {
  const check = (directives: readonly DirectiveNode[] | undefined) => {
    if (directives && directives.length > maxDirectives) throw new LimitPassed({ limit: 'maxDirectives', maximum: maxDirectives });
  };
  const pending: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    check(definition.directives);
    for (const variable of definition.variableDefinitions ?? []) check(variable.directives);
    pending.push(definition.selectionSet);
  }
  for (let set = pending.pop(); set !== undefined; set = pending.pop()) {
    for (const selection of set.selections) {
      check(selection.directives);
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
}
