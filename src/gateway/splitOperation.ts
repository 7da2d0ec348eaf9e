import {
  Kind,
  parse,
  print,
  TokenKind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type Token,
} from 'graphql';
import { selectOperation, type JobberRootFields } from './fastPathPlan';

/**
 * A query whose root fields are partly Jobber's and partly the gateway's, cut in two once per query text:
 * the Jobber half is sent to Jobber like the fast path sends a whole document, the local half is
 * executed on the local schema, and the two answers are merged in the order of `responseKeys`.
 */
export interface SplitOperation {
  /**
   * The client's text with the local root fields, other operations, and fragments and variables the
   * Jobber half does not use replaced by spaces (line breaks kept). Invariant: every character Jobber
   * sees is at the position the client wrote it, so Jobber's error locations point into the client's text.
   */
  jobberQuery: string;
  /** `jobberQuery` parsed (for the cost estimator); not yet validated. */
  jobberDocument: DocumentNode;
  /** The client's variables the Jobber half declares (only these are sent to Jobber). */
  jobberVariableNames: ReadonlySet<string>;
  /** The local root fields as one operation, with the fragments and variable definitions they use. */
  localDocument: DocumentNode;
  /** Root response keys, first occurrence first: the order of `data` in the answer. */
  responseKeys: readonly string[];
}

export type SplitOutcome = { kind: 'split'; split: SplitOperation } | { kind: 'stitch'; reason: string };

/**
 * Cuts `source` (already valid against the gateway schema) for `operationName`. Only a query whose root
 * selections are all plain fields is cut: root fragments would need their own cut, mutations must run
 * their root fields in order, and introspection at the root is answered by Apollo.
 */
export function splitOperation(source: string, operationName: string | null, roots: JobberRootFields): SplitOutcome {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch {
    return { kind: 'stitch', reason: 'does not parse' };
  }
  const operation = selectOperation(document, operationName);
  if (!operation) return { kind: 'stitch', reason: 'no single operation to run' };
  if (operation.operation !== 'query') return { kind: 'stitch', reason: `a ${operation.operation} is not split` };

  const jobberFields: FieldNode[] = [];
  const localFields: FieldNode[] = [];
  const responseKeys: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return { kind: 'stitch', reason: 'a fragment at the root' };
    const name = selection.name.value;
    if (name.startsWith('__')) return { kind: 'stitch', reason: `introspection field ${name} at the root` };
    (roots.query.has(name) ? jobberFields : localFields).push(selection);
    const key = selection.alias?.value ?? name;
    if (!responseKeys.includes(key)) responseKeys.push(key);
  }
  if (jobberFields.length === 0 || localFields.length === 0) return { kind: 'stitch', reason: 'not a mix of Jobber and local root fields' };

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const jobberUsage = collectUsage(jobberFields, fragments);
  const localUsage = collectUsage(localFields, fragments);

  const blanks: [number, number][] = localFields.map(rangeOf);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition !== operation) blanks.push(rangeOf(definition));
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !jobberUsage.fragments.has(definition.name.value)) blanks.push(rangeOf(definition));
  }
  const variables = operation.variableDefinitions ?? [];
  const unused = variables.filter((v) => !jobberUsage.variables.has(v.variable.name.value));
  if (unused.length > 0 && unused.length === variables.length) {
    // `query Q()` does not parse: drop the parentheses with the definitions.
    const first = variables[0]!;
    const last = variables[variables.length - 1]!;
    const open = skipComments(first.loc!.startToken.prev, 'prev');
    const close = skipComments(last.loc!.endToken.next, 'next');
    if (open?.kind !== TokenKind.PAREN_L || close?.kind !== TokenKind.PAREN_R) return { kind: 'stitch', reason: 'variable definitions not in parentheses' };
    blanks.push([open.start, close.end]);
  } else {
    for (const definition of unused) blanks.push(rangeOf(definition));
  }

  const jobberQuery = blankRanges(source, blanks);
  let jobberDocument: DocumentNode;
  try {
    jobberDocument = parse(jobberQuery, { noLocation: true });
  } catch {
    return { kind: 'stitch', reason: 'the Jobber half does not parse' };
  }
  const localOperation: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: variables.filter((v) => localUsage.variables.has(v.variable.name.value)),
    selectionSet: { ...operation.selectionSet, selections: localFields },
  };
  const localFragments = [...fragments.values()].filter((f) => localUsage.fragments.has(f.name.value));
  return {
    kind: 'split',
    split: {
      jobberQuery,
      jobberDocument,
      jobberVariableNames: new Set(variables.filter((v) => jobberUsage.variables.has(v.variable.name.value)).map((v) => v.variable.name.value)),
      // Printed and parsed again without locations: a cached cut does not keep the client's token list alive.
      localDocument: parse(print({ kind: Kind.DOCUMENT, definitions: [localOperation, ...localFragments] }), { noLocation: true }),
      responseKeys,
    },
  };
}

/** Fragments spread (transitively) and variables referenced under `selections`. */
function collectUsage(selections: readonly SelectionNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
  const used = { fragments: new Set<string>(), variables: new Set<string>() };
  const queue: SelectionNode[][] = [[...selections]];
  while (queue.length > 0) {
    for (const selection of queue.pop()!) {
      visit(selection, {
        Variable: (node) => void used.variables.add(node.name.value),
        FragmentSpread: (node) => {
          const name = node.name.value;
          const fragment = fragments.get(name);
          if (fragment && !used.fragments.has(name)) {
            used.fragments.add(name);
            queue.push([...fragment.selectionSet.selections]);
          }
        },
      });
    }
  }
  return used;
}

function rangeOf(node: { loc?: { start: number; end: number } }): [number, number] {
  // Parsed with locations above: every node has one.
  return [node.loc!.start, node.loc!.end];
}

/** The nearest token in `direction` that is not a comment (comments are linked into the token chain). */
function skipComments(token: Token | null, direction: 'prev' | 'next'): Token | null {
  let current = token;
  while (current && current.kind === TokenKind.COMMENT) current = current[direction];
  return current;
}

/** `source` with each range's characters turned to spaces, except line breaks (so lines and columns stay). */
export function blankRanges(source: string, ranges: readonly (readonly [number, number])[]): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    out += source.slice(at, from) + source.slice(from, end).replace(/[^\r\n]/g, ' ');
    at = end;
  }
  return out + source.slice(at);
}
