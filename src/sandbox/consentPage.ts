import { escapeHtml } from './httpIo';

export interface ConsentPageInput {
  appName: string;
  requestId: string;
  accounts: { id: string; name: string }[];
}

/** Where the consent form posts (relative to the sandbox origin). */
export const CONSENT_ACTION = '/api/oauth/authorize/consent';

/**
 * Jobber's consent page in miniature: the app's name, an account picker (or a name for a new
 * account) and the "Allow access" / "Deny" buttons. A plain HTML form, so a browser or
 * `approveConsent` can submit it.
 */
export function renderConsentPage(input: ConsentPageInput): string {
  const options = input.accounts
    .map((a) => `<option value="${escapeHtml(a.id)}">${escapeHtml(a.name)}</option>`)
    .join('');
  // Existing accounts first, so pressing "Allow access" at once picks one; "New account" uses the name field.
  const picker = input.accounts.length
    ? `<label>Account <select name="account_id">${options}<option value="">New account (name below)</option></select></label>`
    : '';
  const defaultName = input.accounts.length ? '' : 'My Company';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect ${escapeHtml(input.appName)} to Jobber</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto}label{display:block;margin:1rem 0}
button{padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body><h1>Jobber (sandbox)</h1>
<p><strong>${escapeHtml(input.appName)}</strong> would like to access your Jobber account.</p>
<form method="post" action="${CONSENT_ACTION}">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
${picker}
<label>New account name <input type="text" name="account_name" value="${escapeHtml(defaultName)}" placeholder="My Company"></label>
<button type="submit" name="decision" value="allow">Allow access</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`;
}

export function renderErrorPage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}
