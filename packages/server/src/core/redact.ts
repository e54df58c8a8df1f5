/**
 * What error messages may repeat of a request. People paste secrets and tokens into every field
 * (a client id, a scope, a sort order), and an error body or log line that quotes the field hands
 * the credential to whoever reads it. Two defences: every message is passed through
 * `redactCredentials` where errors are rendered (http/errors/), and a value quoted back is cut to
 * a length that identifies it without repeating it whole (`echo`).
 */

/**
 * A Patina secret (`patina_` and base62, @patina/contract secrets.ts), also when cut short or run
 * on: 16 characters after the prefix are already more than a guess.
 */
const SECRET_LIKE = /patina_[0-9A-Za-z]{16,}/g;

/**
 * A JWS in compact form (RFC 7515 §7.1): a base64url header that starts `eyJ` (`{"`), a dot and
 * at least the start of a payload; the signature may be missing or cut.
 */
const JWT_LIKE = /eyJ[0-9A-Za-z_-]{4,}\.[0-9A-Za-z_-]+(?:\.[0-9A-Za-z_-]*)?/g;

export const REDACTED = '[redacted]';

/** The text with every secret-shaped or JWT-shaped substring replaced by `[redacted]`. */
export function redactCredentials(text: string): string {
  return text.replace(SECRET_LIKE, REDACTED).replace(JWT_LIKE, REDACTED);
}

/** The longest stretch of input a message quotes back. */
export const ECHO_MAX_CHARS = 40;

/**
 * A value from the request, fit to quote in a message: at most ECHO_MAX_CHARS characters (an
 * ellipsis says more followed), credentials redacted, control characters shown as `?` so a
 * message cannot carry line breaks or terminal escapes into a log viewer.
 */
export function echo(value: string, maxChars = ECHO_MAX_CHARS): string {
  const chars = [...value];
  const cut = chars.length > maxChars ? chars.slice(0, maxChars).join('') + '…' : value;
  // eslint-disable-next-line no-control-regex
  return redactCredentials(cut).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
