/**
 * Jobber's literal answers that code must recognise (JOBBER.md). The sandbox emits them and the
 * gateway matches on them, so both sides share this one definition.
 */
export const JobberMessage = {
  /** Body message of a 401 from /api/graphql after the account disconnected the app. */
  DISCONNECTED: 'User has disconnected this app from their account. Please delete this token',
  /** Message of a 401 from /api/graphql for an expired access token. */
  INVALID_TOKEN: 'Invalid Token Error',
  /** Message of the token endpoint's answer to a spent or unknown refresh token. */
  INVALID_REFRESH_TOKEN: 'Error: The provided refresh token is not valid.',
} as const;

/** The newest API version known; older versions are silently upgraded to it with a warning. */
export const LATEST_JOBBER_API_VERSION = '2025-04-16';

/** `errors[0].extensions.code` of a query refused by the cost leaky bucket. */
export const THROTTLED_CODE = 'THROTTLED';
