import {
  Kind,
  TokenKind,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type Token,
} from 'graphql';
import type { JobberRootFields } from './classifyOperation';
import { withoutTokens } from './withoutTokens';

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
  /** What `jobberQuery` parses to, built from the client's document (no second parse); not yet validated. */
  jobberDocument: DocumentNode;
  /** The client's variables the Jobber half declares (only these are sent to Jobber). */
  jobberVariableNames: ReadonlySet<string>;
  /** The local root fields as one operation, with the fragments and variable definitions they use; its nodes keep the client's positions. */
  localDocument: DocumentNode;
  /** Root response keys, first occurrence first: the order of `data` in the answer. */
  responseKeys: readonly string[];
}

export type SplitOutcome = { kind: 'split'; split: SplitOperation } | { kind: 'stitch'; reason: string };

/**
 * Cuts `operation` of `document` (parsed from `source` with locations, valid against the gateway schema,
 * a query whose root selections are all plain fields: see classifyOperation).
 */
export function splitOperation(
  source: string,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  roots: JobberRootFields,
): SplitOutcome {
  const jobberFields: FieldNode[] = [];
  const localFields: FieldNode[] = [];
  const responseKeys: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return { kind: 'stitch', reason: 'a fragment at the root' };
    (roots.query.has(selection.name.value) ? jobberFields : localFields).push(selection);
    const key = selection.alias?.value ?? selection.name.value;
    if (!responseKeys.includes(key)) responseKeys.push(key);
  }
  if (jobberFields.length === 0 || localFields.length === 0) return { kind: 'stitch', reason: 'not a mix of Jobber and local root fields' };

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

  // Both halves are the client's own nodes, re-assembled: the same documents the cut texts parse to.
  const half = (fields: FieldNode[], usage: Usage): DocumentNode => {
    const halfOperation: OperationDefinitionNode = {
      ...operation,
      variableDefinitions: variables.filter((v) => usage.variables.has(v.variable.name.value)),
      selectionSet: { ...operation.selectionSet, selections: fields },
    };
    const definitions: DefinitionNode[] = [];
    for (const definition of document.definitions) {
      if (definition === operation) definitions.push(halfOperation);
      else if (definition.kind === Kind.FRAGMENT_DEFINITION && usage.fragments.has(definition.name.value)) definitions.push(definition);
    }
    return withoutTokens({ kind: Kind.DOCUMENT, definitions });
  };
  return {
    kind: 'split',
    split: {
      jobberQuery: blankRanges(source, blanks),
      jobberDocument: half(jobberFields, jobberUsage),
      jobberVariableNames: new Set(variables.filter((v) => jobberUsage.variables.has(v.variable.name.value)).map((v) => v.variable.name.value)),
      localDocument: half(localFields, localUsage),
      responseKeys,
    },
  };
}

interface Usage {
  fragments: Set<string>;
  variables: Set<string>;
}

/** Fragments spread (transitively) and variables referenced under `selections`. */
function collectUsage(selections: readonly SelectionNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>): Usage {
  const used: Usage = { fragments: new Set<string>(), variables: new Set<string>() };
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
  // Parsed with locations (precondition): every node has one.
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
