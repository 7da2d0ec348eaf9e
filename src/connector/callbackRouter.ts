import express from 'express';
import type { Logger } from 'pino';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import type { CallbackOutcome } from './callbackHandler';
import { renderCallbackPage, type CallbackPage } from './renderCallbackPage';

/** What the router needs of the connector service. */
export interface CallbackRouterService {
  handleCallback(query: Record<string, unknown>): Promise<CallbackOutcome>;
}

export interface CallbackRouterOptions {
  /** For failures the service did not expect (store down, bugs). Default: silent. */
  logger?: Logger;
}

const RESTART = 'Please go back to the app you started from and start the Jobber connection again.';

/** Status and page for every outcome but a redirect. Pure. */
export function buildCallbackResponse(outcome: CallbackOutcome): { status: number; page: CallbackPage } | { status: 302; location: string } {
  switch (outcome.kind) {
    case 'installed':
      if (outcome.redirectUrl) return { status: 302, location: outcome.redirectUrl };
      return {
        status: 200,
        page: {
          title: 'Jobber connected',
          heading: 'Jobber is connected',
          paragraphs: [
            outcome.jobberAccountName
              ? `The connection to the Jobber account "${outcome.jobberAccountName}" is complete.`
              : 'The connection to your Jobber account is complete.',
            'You can close this window and return to the app you started from.',
          ],
        },
      };
    case 'denied':
      return {
        status: 400,
        page: { title: 'Jobber not connected', heading: 'Jobber was not connected', paragraphs: ['Access was not granted on Jobber\u2019s consent page, so nothing was connected.', RESTART] },
      };
    case 'marketplace':
      return {
        status: 400,
        page: {
          title: 'Start from the partner app',
          heading: 'Please start this connection from the partner\u2019s app',
          paragraphs: [
            'This connection was started from Jobber\u2019s App Marketplace, but it can only be completed when it starts in the partner\u2019s own product.',
            'Sign in to the partner\u2019s app and choose to connect Jobber there. Nothing was connected.',
          ],
        },
      };
    case 'malformed':
      return { status: 400, page: { title: 'Invalid request', heading: 'This link is not valid', paragraphs: ['The link to this page is incomplete or damaged.', RESTART] } };
    case 'invalid_state':
      return {
        status: 400,
        page: {
          title: 'Link expired',
          heading: 'This connection link has expired or was already used',
          paragraphs: ['Each connection link works once and for 10 minutes. Nothing was connected.', RESTART],
        },
      };
    case 'exchange_failed':
      return {
        status: 502,
        page: {
          title: 'Jobber connection failed',
          heading: 'Jobber did not complete the connection',
          paragraphs: [
            outcome.reason === 'rejected'
              ? 'Jobber refused the authorization. The app\u2019s Client ID or Client Secret may be wrong, or the authorization was already used.'
              : 'Jobber could not be reached or answered with an error. Please try again in a few minutes.',
            'Nothing was changed. ' + RESTART,
          ],
        },
      };
    case 'account_lookup_failed':
      return {
        status: 502,
        page: {
          title: 'Jobber connection failed',
          heading: 'Jobber did not complete the connection',
          paragraphs: ['Access was granted, but your Jobber account could not be read. Nothing was changed.', RESTART],
        },
      };
  }
}

/** `GET /connector/callback`: Jobber's OAuth redirect, turned into a page or a redirect to the partner's app. */
export function createCallbackRouter(service: CallbackRouterService, options: CallbackRouterOptions = {}): express.Router {
  const router = express.Router();
  router.get('/connector/callback', async (req, res) => {
    // The URL holds a one-time code: keep it out of caches and out of the Referer of anything loaded next.
    res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    let response: ReturnType<typeof buildCallbackResponse>;
    try {
      response = buildCallbackResponse(await service.handleCallback(req.query as Record<string, unknown>));
    } catch (error) {
      const storeDown = isGatewayError(error) && error.code === ErrorCode.STORE_UNAVAILABLE;
      options.logger?.error({ err: error }, 'connector callback failed');
      response = {
        status: storeDown ? 503 : 500,
        page: {
          title: 'Jobber connection failed',
          heading: 'Something went wrong',
          paragraphs: [storeDown ? 'The service is temporarily unavailable. Please try again in a few minutes.' : 'The connection could not be completed.', RESTART],
        },
      };
    }
    if ('location' in response) {
      res.redirect(302, response.location);
      return;
    }
    res.status(response.status).type('html').send(renderCallbackPage(response.page));
  });
  return router;
}
