/** Jobber's `extensions.versioning` when it upgraded the request's version. */
export interface VersioningExtension {
  version: string;
  warning: string;
}

const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What Jobber adds to an answer for the `X-JOBBER-GRAPHQL-VERSION` a request named, when `current` is
 * the version it serves: a version older than `current` (or not a date) is silently upgraded, with a
 * warning; `current` or newer is answered as asked, with nothing added. Pure.
 */
export function buildVersioningExtension(requested: string, current: string): VersioningExtension | undefined {
  if (VERSION_PATTERN.test(requested) && requested >= current) return undefined;
  return { version: current, warning: `API version ${requested} is not supported; this request was served with version ${current}.` };
}
