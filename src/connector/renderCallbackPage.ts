/**
 * The small pages a user's browser lands on after Jobber's consent screen. Plain, accessible HTML:
 * a language, a title, one heading, short paragraphs; no scripts, styles from elsewhere, images or
 * fonts (the page must work offline and leak nothing to third parties). Every value is escaped. Pure.
 */
export interface CallbackPage {
  title: string;
  heading: string;
  paragraphs: readonly string[];
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

export function renderCallbackPage(page: CallbackPage): string {
  const paragraphs = page.paragraphs.map((text) => `    <p>${escapeHtml(text)}</p>`).join('\n');
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
