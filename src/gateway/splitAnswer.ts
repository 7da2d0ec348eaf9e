import type { JobberResponse } from './jobberForwardTypes';

/**
 * The answer to a split operation: `data` in the client's root order (each key from the half that
 * selected it; a key skipped by @skip/@include is in neither), Jobber's errors as it wrote them, and
 * Jobber's extensions, which stitching passes through too. Keys in Apollo's order: errors, data, extensions.
 * Precondition: the local half answered without errors, and Jobber answered with nothing stitching would
 * reshape (shapeLikeStitching returned null); otherwise the fast path answers through mergeSplit and
 * shapeLikeStitching instead. Nothing is handed to Apollo after Jobber was called.
 */
export function buildSplitAnswer(responseKeys: readonly string[], localData: Record<string, unknown>, jobber: JobberResponse): Record<string, unknown> {
  const jobberData = jobber.data ?? {};
  // No prototype: a response key like `__proto__` stays a plain key.
  const data = Object.create(null) as Record<string, unknown>;
  for (const key of responseKeys) {
    if (Object.hasOwn(jobberData, key)) data[key] = jobberData[key];
    else if (Object.hasOwn(localData, key)) data[key] = localData[key];
  }
  return {
    ...(jobber.errors && jobber.errors.length > 0 ? { errors: jobber.errors } : {}),
    data,
    ...(jobber.extensions ? { extensions: jobber.extensions } : {}),
  };
}
