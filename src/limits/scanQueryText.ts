import { Lexer, Source, TokenKind } from 'graphql';
import type { QueryLimits, QueryLimitViolation } from './queryLimits';

/** How deep the text's brackets may nest for a given maxDepth: selection sets need maxDepth + 1, values get as much again. */
export function maxBracketNesting(maxDepth: number): number {
  return 2 * maxDepth + 2;
}

/**
 * The check before parsing, with graphql-js' own lexer (no tree is built): more tokens than `maxTokens`,
 * or brackets (`{`, `(`, `[`) nested deeper than maxBracketNesting(maxDepth), stop the scan at once. The
 * parser recurses once per nesting level and overflows the stack at about 2000 levels, which used to reach
 * the client as "Maximum call stack size exceeded"; `parse(…, { maxTokens })` alone cannot prevent it.
 * Returns null when the text is within both, and also when it does not lex: parse reports that error.
 * Cost: one pass over at most maxTokens tokens. Pure.
 */
export function scanQueryText(query: string, limits: Pick<QueryLimits, 'maxTokens' | 'maxDepth'>): QueryLimitViolation | null {
  const maxNesting = maxBracketNesting(limits.maxDepth);
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > limits.maxTokens) return { limit: 'maxTokens', maximum: limits.maxTokens };
      const kind = token.kind;
      if (kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L || kind === TokenKind.BRACKET_L) {
        if (++nesting > maxNesting) return { limit: 'maxDepth', maximum: limits.maxDepth };
      } else if (kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R || kind === TokenKind.BRACKET_R) {
        nesting--;
      }
    }
  } catch {
    return null;
  }
  return null;
}
