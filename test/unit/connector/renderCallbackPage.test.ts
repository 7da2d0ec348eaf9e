import { escapeHtml, renderCallbackPage } from '../../../src/connector/renderCallbackPage';

describe('renderCallbackPage', () => {
  test.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [`a"b'c&d`, 'a&quot;b&#39;c&amp;d'],
    ['plain', 'plain'],
  ])('when a value is %j, then it is escaped to %j', (value, expected) => {
    expect(escapeHtml(value)).toBe(expected);
  });

  test('when a page is rendered, then it has a language, a title, one heading and no external assets', () => {
    const html = renderCallbackPage({ title: 'T <1>', heading: 'H & h', paragraphs: ['one', '<b>two</b>'] });
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<title>T &lt;1&gt;</title>');
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<h1>H &amp; h</h1>');
    expect(html).toContain('<p>&lt;b&gt;two&lt;/b&gt;</p>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(/i);
  });
});
