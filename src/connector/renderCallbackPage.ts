/**
 * The small pages a user's browser lands on after Jobber's consent screen. Plain, accessible HTML:
 * a language, a title, one heading, short paragraphs, at most one link; no scripts, styles from
 * elsewhere, images or fonts (the page must work offline and leak nothing to third parties). Every
 * value is escaped. Pure.
 */
export interface CallbackPage {
  title: string;
  heading: string;
  paragraphs: readonly string[];
  /** A next step after the paragraphs (the demo's explorer); `href` is an http(s) URL. */
  link?: { href: string; text: string };
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

export function renderCallbackPage(page: CallbackPage): string {
  const lines = page.paragraphs.map((text) => `    <p>${escapeHtml(text)}</p>`);
  if (page.link) {
    // Escaping keeps the attribute closed; the scheme check keeps javascript: and data: URLs out.
    if (!/^https?:\/\//i.test(page.link.href)) throw new Error('a callback page link must be an http(s) URL');
    lines.push(`    <p><a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.text)}</a></p>`);
  }
  const paragraphs = lines.join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '  <meta charset="utf-8">',
    '  <meta name="viewport" content="width=device-width, initial-scale=1">',
    '  <meta name="referrer" content="no-referrer">',
    `  <title>${escapeHtml(page.title)}</title>`,
    '  <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>',
    '</head>',
    '<body>',
    '  <main>',
    `    <h1>${escapeHtml(page.heading)}</h1>`,
    paragraphs,
    '  </main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
