import type { InstallationRef } from '../core/installationRef';

export type AccessTokenResult =
  | { ok: true; accessToken: string; expiresAt: number }
  | { ok: false; reason: 'not_installed' | 'reauthorization_required' }
  | { ok: false; reason: 'transient'; message: string; retryAfterMs?: number }
  /** Jobber refused the client id/secret the installation uses; fixing them brings it back (nothing was spent). */
  | { ok: false; reason: 'client_refused'; retryAfterMs: number };

/** What the gateway uses to put an access token on a Jobber call (implemented by `createTokenRefresher`). */
export interface AccessTokenProvider {
  /** A valid access token for the installation, refreshing it first when due. `rejected` = the token that
   *  Jobber just answered 401 to: refresh only if the stored token is still that one (else use the newer). */
  getAccessToken(ref: InstallationRef, options?: { rejected?: string }): Promise<AccessTokenResult>;
  /** Forget cached tokens of one installation (after uninstall/disconnect/reinstall). */
  forget(ref: InstallationRef): void;
}
