/**
 * What a failed Redis call means for the caller:
 * - `unavailable`: Redis cannot serve now (down, unreachable, timed out, loading, failing over,
 *   cluster down, out of memory, refusing our credentials); the request answers 503 and may succeed later.
 * - `rejected`: Redis answered that the command itself is wrong (wrong type, not an integer): a bug.
 */
export type RedisErrorKind = 'unavailable' | 'rejected';

/** Error replies whose first word says the server, not the command, is the problem. */
const UNAVAILABLE_REPLY_PREFIXES = [
  'LOADING',
  'BUSY',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MASTERDOWN',
  'READONLY',
  'OOM',
  'MISCONF',
  'NOAUTH',
  'WRONGPASS',
  'NOPERM',
  'MOVED',
  'ASK',
];

export function classifyRedisError(error: unknown): RedisErrorKind {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return 'unavailable';
  const firstWord = error.message.split(' ', 1)[0] ?? '';
  return UNAVAILABLE_REPLY_PREFIXES.includes(firstWord) ? 'unavailable' : 'rejected';
}
