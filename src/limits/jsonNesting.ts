const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxNesting` (brackets inside strings do not
 * count), read byte by byte before anything parses it: V8's JSON.parse takes any nesting but spends
 * ~150 ms on 200 000 levels in one 400 KB body, and what parses it afterwards (JSON.stringify,
 * graphql-js' coercion) recurses per level. One pass, no allocation, about a millisecond per MB; stops
 * at the first level past the bound. Text that is not JSON is left for the parser to refuse. Pure.
 */
export function exceedsJsonNesting(bytes: Uint8Array, maxNesting: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxNesting) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
