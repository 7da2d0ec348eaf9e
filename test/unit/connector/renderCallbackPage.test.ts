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

  test('when a page has a link, then it follows the paragraphs with its URL and text escaped', () => {
    const html = renderCallbackPage({ title: 'T', heading: 'H', paragraphs: ['one'], link: { href: 'http://localhost:4000/graphql?a=1&b="2"', text: 'Go <now>' } });
    expect(html).toContain('<p>one</p>\n    <p><a href="http://localhost:4000/graphql?a=1&amp;b=&quot;2&quot;">Go &lt;now&gt;</a></p>');
    expect(html.match(/href=/g)).toHaveLength(1);
  });

  test.each(['javascript:alert(1)', 'data:text/html,hi', '//elsewhere.example/x', '/graphql'])('when a link is %j, then rendering refuses it', (href) => {
    expect(() => renderCallbackPage({ title: 'T', heading: 'H', paragraphs: [], link: { href, text: 'x' } })).toThrow('http(s) URL');
  });
});
