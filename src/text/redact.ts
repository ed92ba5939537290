/**
 * Database URLs never shown with their password: every message, hint and document that can
 * carry one goes through here, from the typed errors up to the CLI.
 */

/**
 * Replaces the password of every postgres URL inside `text` with `***`: the one between `:`
 * and the LAST `@` of the authority (a password typed with a raw `@` in it must not leave
 * its tail behind), and any `password=…` (a URL's query parameter, which pg honours too, or a
 * keyword/value connection string pasted where a URL was expected).
 */
export function redactUrl(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s'"]*:)([^\s'"]*?)(@[^@\s'"/?#]*(?=[/?#'"\s]|$))/gi, '$1***$3')
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s'"]*)/gi, '$1***');
}
