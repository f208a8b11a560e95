import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the request header that carries the signature of a callback. */
export const SIGNATURE_HEADER = 'x-sinch-signature';

/** An HMAC-SHA1 digest is 20 bytes, so its hex form has 40 characters. */
const SIGNATURE_PATTERN = /^[0-9a-f]{40}$/;

/**
 * Checks the `X-Sinch-Signature` header of a callback: the lowercase hex HMAC-SHA1 of
 * the exact body bytes, keyed with the project's `hmacSecret` as UTF-8. The comparison
 * takes the same time wherever the digests differ.
 *
 * Returns false, and never throws, for a missing, empty, wrong-length or non-hex
 * header, and for hex in upper case: numberhost and the hosted API both send lower case,
 * so only that exact form is accepted. A string body is taken as UTF-8; pass the bytes
 * as received whenever you can, because a body parsed as JSON and serialised again has
 * other bytes and fails the check.
 *
 * Throws a TypeError for an empty secret and for a body that is neither bytes nor a
 * string (typically an object that a JSON body parser produced).
 *
 * @example
 * import { createServer } from 'node:http';
 * createServer((request, response) => {
 *   const chunks: Buffer[] = [];
 *   request.on('data', (chunk: Buffer) => chunks.push(chunk));
 *   request.on('end', () => {
 *     const rawBody = Buffer.concat(chunks);
 *     if (!verifyCallbackSignature(rawBody, request.headers['x-sinch-signature'] as string | undefined, secret)) {
 *       response.writeHead(401).end();
 *       return;
 *     }
 *     response.writeHead(200).end();
 *     const event = parseCallbackPayload(rawBody);
 *   });
 * }).listen(9000);
 */
export function verifyCallbackSignature(rawBody: Uint8Array | string, signatureHeader: string | undefined | null, secret: string): boolean {
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError('verifyCallbackSignature needs the project\'s hmacSecret, got an empty or missing secret. Read it with client.callbackConfiguration.get().');
  }
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new TypeError(
      `verifyCallbackSignature needs the raw body as a Buffer, Uint8Array or string, got ${rawBody === null ? 'null' : typeof rawBody}. Capture the bytes before any JSON parsing.`,
    );
  }
  if (typeof signatureHeader !== 'string' || !SIGNATURE_PATTERN.test(signatureHeader)) {
    return false;
  }
  const expected = createHmac('sha1', Buffer.from(secret, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();
  return timingSafeEqual(expected, Buffer.from(signatureHeader, 'hex'));
}
