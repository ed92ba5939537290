import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown, escapeTerminal, escapeXml } from '../../../src/report/escape.js';

describe('escaping untrusted values per format', () => {
  it.each([
    [escapeHtml, `<a href="x">'&'</a>`, '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'],
    [escapeXml, `<x a='1'>&\u0001</x>`, '&lt;x a=&apos;1&apos;&gt;&amp;\uFFFD&lt;/x&gt;'],
    [escapeMarkdown, 'a|b\n<img> `c`', 'a\\|b \\<img\\> \\`c\\`'],
    [escapeTerminal, 'red\u001b[31m\u0007', 'red\\x1b[31m\\x07'],
  ] as [(s: string) => string, string, string][])('%o', (escape, input, expected) => {
    expect(escape(input)).toBe(expected);
  });
});
