import type { ASTNode, Location } from 'graphql';

/**
 * A deep copy of a parsed AST whose `loc` keeps only `start`, `end` and `source`: graphql-js reads no more
 * to give an error its line and column, and the copy does not keep the parser's token list alive (a
 * cached document with tokens costs several times its text). The copy is frozen: cached documents are
 * shared by concurrent requests.
 */
export function withoutTokens<T extends ASTNode | readonly ASTNode[]>(node: T): T {
  return copy(node) as T;
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(copy));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'loc') {
      const loc = inner as Location | undefined;
      if (loc) out.loc = Object.freeze({ start: loc.start, end: loc.end, source: loc.source });
      continue;
    }
    out[key] = copy(inner);
  }
  return Object.freeze(out);
}
