/**
 * Replaces each character that a PostgreSQL text column cannot store with U+FFFD, for
 * text from the far side of a connection (a callback receiver's response, an HTTP
 * client's error message) that is stored as it came. PostgreSQL rejects NUL (U+0000)
 * in text, and a lone UTF-16 surrogate has no UTF-8 form. SQLite would store both, but
 * the text is cleaned on both databases so that they hold the same.
 */
export function toStorableText(text: string): string {
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
