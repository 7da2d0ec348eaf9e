export interface ApproveConsentOptions {
  /** Type this name into the "new account" field (creates the account). */
  accountName?: string;
  /** Pick this existing account in the picker. */
  accountId?: string;
  /** Press "Deny" instead of "Allow access". */
  deny?: boolean;
}

/**
 * A test helper that plays the user's browser on Jobber's consent page: GETs `consentUrl`, reads
 * the page's form (action, hidden inputs, account picker, buttons) and submits it as a browser
 * would, pressing "Allow access" or "Deny". Returns the redirect's Location without following it.
 * With neither `accountId` nor `accountName`, picks the first existing account, else creates
 * "Sandbox Account".
 */
export async function approveConsent(consentUrl: string, opts: ApproveConsentOptions = {}): Promise<{ location: string }> {
  const page = await fetch(consentUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`Consent page answered ${page.status}: ${textOf(html).slice(0, 200)}`);
  const formTag = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!formTag) throw new Error('The consent page has no form');
  const formAttrs = attributesOf(formTag[1] ?? '');
  const inner = formTag[2] ?? '';
  const fields = new URLSearchParams();

  for (const match of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = attributesOf(match[1] ?? '');
    if (attrs.name && (attrs.type ?? 'text') !== 'submit') fields.set(attrs.name, attrs.value ?? '');
  }
  const select = /<select\b([^>]*)>([\s\S]*?)<\/select>/i.exec(inner);
  const options = select
    ? [...(select[2] ?? '').matchAll(/<option\b([^>]*)>/gi)].map((m) => attributesOf(m[1] ?? '').value ?? '')
    : [];
  const selectName = select ? attributesOf(select[1] ?? '').name : undefined;
  if (selectName) fields.set(selectName, options[0] ?? '');

  if (opts.accountId !== undefined) {
    if (!selectName || !options.includes(opts.accountId)) throw new Error('The account picker does not offer that account');
    fields.set(selectName, opts.accountId);
  } else if (opts.accountName !== undefined) {
    if (selectName) fields.set(selectName, '');
    fields.set('account_name', opts.accountName);
  } else {
    const existing = options.find((value) => value !== '');
    if (selectName && existing) fields.set(selectName, existing);
    else fields.set('account_name', 'Sandbox Account');
  }

  const wanted = opts.deny ? /^\s*Deny\s*$/i : /^\s*Allow access\s*$/i;
  const button = [...inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].find((m) => wanted.test(textOf(m[2] ?? '')));
  if (!button) throw new Error(`The consent page has no "${opts.deny ? 'Deny' : 'Allow access'}" button`);
  const buttonAttrs = attributesOf(button[1] ?? '');
  if (buttonAttrs.name) fields.set(buttonAttrs.name, buttonAttrs.value ?? '');

  const action = new URL(formAttrs.action ?? '', consentUrl).toString();
  const method = (formAttrs.method ?? 'get').toUpperCase();
  const response =
    method === 'POST'
      ? await fetch(action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: fields.toString(),
          redirect: 'manual',
        })
      : await fetch(`${action}?${fields.toString()}`, { redirect: 'manual' });
  const location = response.headers.get('location');
  const body = await response.text();
  if (response.status < 300 || response.status >= 400 || !location) {
    throw new Error(`Submitting the consent form answered ${response.status}: ${textOf(body).slice(0, 200)}`);
  }
  return { location };
}

/** Attributes of one tag's inside (`name="x" value='y' disabled`), entities decoded. */
function attributesOf(tagInside: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tagInside.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase();
    attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}
