import express from 'express';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import { buildCallbackResponse, RESTART_ADVICE, type CallbackResponseOptions } from './buildCallbackResponse';
import type { CallbackOutcome } from './callbackHandler';
import { renderCallbackPage } from './renderCallbackPage';

/** What the router needs of the connector service (which logs its own failures). */
export interface CallbackRouterService {
  handleCallback(query: Record<string, unknown>): Promise<CallbackOutcome>;
}

/** `GET /connector/callback`: Jobber's OAuth redirect, turned into a page or a redirect to the partner's app. */
export function createCallbackRouter(service: CallbackRouterService, pages: CallbackResponseOptions = {}): express.Router {
  const router = express.Router();
  router.get('/connector/callback', async (req, res) => {
    // The URL holds a one-time code: keep it out of caches and out of the Referer of anything loaded next.
    res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    let response: ReturnType<typeof buildCallbackResponse>;
    try {
      response = buildCallbackResponse(await service.handleCallback(req.query as Record<string, unknown>), pages);
    } catch (error) {
      const storeDown = isGatewayError(error) && error.code === ErrorCode.STORE_UNAVAILABLE;
      response = {
        status: storeDown ? 503 : 500,
        page: {
          title: 'Jobber connection failed',
          heading: 'Something went wrong',
          paragraphs: [storeDown ? 'The service is temporarily unavailable. Please try again in a few minutes.' : 'The connection could not be completed.', RESTART_ADVICE],
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
