/** Escaping for each output format: every value from the database is untrusted text. */

/** Characters XML 1.0 does not allow at all (even escaped): C0 controls other than tab, LF, CR. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** For HTML text and attribute values (quoted with "). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** For XML text and attribute values; invalid characters become U+FFFD so the document parses. */
export function escapeXml(text: string): string {
  return text
    .replace(XML_INVALID, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** For a Markdown table cell or inline text: no pipes, no line breaks, no HTML, no code spans. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`);
}

/** For a terminal: control characters (escape sequences in data) are shown, not executed. */
export function escapeTerminal(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
