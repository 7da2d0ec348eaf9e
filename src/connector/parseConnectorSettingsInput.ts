import { parseAllowedOrigin, parseWebhookUrl } from './connectorUrls';

/** `updateConnectorSettings` input: an absent field stays unchanged; null or '' clears it. */
export interface ConnectorSettingsInput {
  clientId?: string | null;
  clientSecret?: string | null;
  webhookUrl?: string | null;
  returnUrlOrigins?: readonly string[] | null;
}

/** The validated change: `undefined` = unchanged, `null` = cleared. */
export interface ConnectorSettingsPatch {
  clientId?: string | null;
  clientSecret?: string | null;
  webhookUrl?: string | null;
  returnUrlOrigins?: string[];
}

/** Jobber's ids and secrets are short opaque strings; the bound only keeps junk out of the store. */
const MAX_CREDENTIAL_LENGTH = 512;
const MAX_RETURN_URL_ORIGINS = 50;

/** Printable ASCII or beyond, no whitespace and no control characters. */
function isPrintableWithoutSpaces(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f || /\s/u.test(char)) return false;
  }
  return true;
}

/**
 * Validates and normalizes a settings update. Every problem is reported together. A message may name
 * a field but never repeats the client secret. Pure.
 */
export function parseConnectorSettingsInput(
  input: ConnectorSettingsInput,
  options: { allowPrivateWebhookTargets?: boolean } = {},
): { ok: true; patch: ConnectorSettingsPatch } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const patch: ConnectorSettingsPatch = {};

  const credential = (name: 'clientId' | 'clientSecret', value: string | null | undefined): void => {
    if (value === undefined) return;
    const text = value === null ? '' : value.trim();
    if (text === '') {
      patch[name] = null;
    } else if (text.length > MAX_CREDENTIAL_LENGTH || !isPrintableWithoutSpaces(text)) {
      errors.push(`${name} must be 1-${MAX_CREDENTIAL_LENGTH} printable characters without spaces`);
    } else {
      patch[name] = text;
    }
  };
  credential('clientId', input.clientId);
  credential('clientSecret', input.clientSecret);

  if (input.webhookUrl !== undefined) {
    const text = input.webhookUrl === null ? '' : input.webhookUrl.trim();
    if (text === '') {
      patch.webhookUrl = null;
    } else {
      const result = parseWebhookUrl(text, { allowPrivateTargets: options.allowPrivateWebhookTargets === true });
      if (result.ok) patch.webhookUrl = result.value;
      else errors.push(`webhookUrl ${result.reason}`);
    }
  }

  if (input.returnUrlOrigins !== undefined) {
    const origins = input.returnUrlOrigins ?? [];
    if (origins.length > MAX_RETURN_URL_ORIGINS) {
      errors.push(`returnUrlOrigins holds at most ${MAX_RETURN_URL_ORIGINS} origins`);
    } else {
      const normalized: string[] = [];
      origins.forEach((origin, index) => {
        const result = parseAllowedOrigin(origin);
        if (!result.ok) errors.push(`returnUrlOrigins[${index}] ${result.reason}`);
        else if (!normalized.includes(result.value)) normalized.push(result.value);
      });
      patch.returnUrlOrigins = normalized;
    }
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, patch };
}
