import type { SsoLink } from '@patina/contract';

/** OpenID Connect Core §2: `sub` is at most 255 ASCII characters; the issuer bound is ours. */
export const SSO_SUBJECT_MAX_CHARS = 255;
export const SSO_ISSUER_MAX_CHARS = 512;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * An SSO link as Patina stores and compares it, or the reason it cannot be one. The issuer is
 * written as the URL standard writes it, so `https://login.example.com` and
 * `https://login.example.com/` are one issuer, as openid-client's discovery takes them; other
 * paths stay exact (OpenID Connect Discovery §4.3 compares issuers as strings). The subject is
 * compared exactly, case included.
 */
export function canonicalSsoLink(
  issuer: string,
  subject: string,
): { link: SsoLink } | { field: 'issuer' | 'subject'; message: string } {
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    issuer.includes('#') ||
    issuer.includes('?') ||
    url.href.length > SSO_ISSUER_MAX_CHARS
  ) {
    return {
      field: 'issuer',
      message: `must be the issuer's URL as its ID tokens name it in 'iss', such as https://login.example.com (http or https, no query or fragment, at most ${SSO_ISSUER_MAX_CHARS} characters)`,
    };
  }
  if (subject.length === 0 || subject.length > SSO_SUBJECT_MAX_CHARS || CONTROL.test(subject)) {
    return {
      field: 'subject',
      message: `must be the person's 'sub' at the issuer: 1 to ${SSO_SUBJECT_MAX_CHARS} characters, no control characters`,
    };
  }
  return { link: { issuer: url.href, subject } };
}
