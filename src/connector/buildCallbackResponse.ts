import type { CallbackOutcome } from './callbackHandler';
import type { CallbackPage } from './renderCallbackPage';

export const RESTART_ADVICE = 'Please go back to the app you started from and start the Jobber connection again.';

export interface CallbackResponseOptions {
  /**
   * Demo mode only: the explorer's URL. The success page then leads there (the demo's next step)
   * instead of back to an app the user did not come from. Default none.
   */
  explorerUrl?: string;
}

/** The text of the demo success page's link to the explorer. */
export const EXPLORER_LINK_TEXT = 'Open the explorer and run the Jobber query';

/** Status and page for every outcome but a redirect. Pure. */
export function buildCallbackResponse(
  outcome: CallbackOutcome,
  options: CallbackResponseOptions = {},
): { status: number; page: CallbackPage } | { status: 302; location: string } {
  switch (outcome.kind) {
    case 'installed': {
      if (outcome.redirectUrl) return { status: 302, location: outcome.redirectUrl };
      const done = outcome.jobberAccountName
        ? `The connection to the Jobber account "${outcome.jobberAccountName}" is complete.`
        : 'The connection to your Jobber account is complete.';
      const page: CallbackPage = options.explorerUrl
        ? {
            title: 'Jobber connected',
            heading: 'Jobber is connected',
            paragraphs: [done, `In the gateway this is the account "${outcome.accountId}" (the X-Account-Id header).`],
            link: { href: options.explorerUrl, text: EXPLORER_LINK_TEXT },
          }
        : { title: 'Jobber connected', heading: 'Jobber is connected', paragraphs: [done, 'You can close this window and return to the app you started from.'] };
      return { status: 200, page };
    }
    case 'denied':
      return {
        status: 400,
        page: { title: 'Jobber not connected', heading: 'Jobber was not connected', paragraphs: ['Access was not granted on Jobber\u2019s consent page, so nothing was connected.', RESTART_ADVICE] },
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
      return { status: 400, page: { title: 'Invalid request', heading: 'This link is not valid', paragraphs: ['The link to this page is incomplete or damaged.', RESTART_ADVICE] } };
    case 'invalid_state':
      return {
        status: 400,
        page: {
          title: 'Link expired',
          heading: 'This connection link has expired or was already used',
          paragraphs: ['Each connection link works once and for 10 minutes. Nothing was connected.', RESTART_ADVICE],
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
            'Nothing was changed. ' + RESTART_ADVICE,
          ],
        },
      };
    case 'account_lookup_failed':
      return {
        status: 502,
        page: {
          title: 'Jobber connection failed',
          heading: 'Jobber did not complete the connection',
          paragraphs: ['Access was granted, but your Jobber account could not be read. Nothing was changed.', RESTART_ADVICE],
        },
      };
  }
}
