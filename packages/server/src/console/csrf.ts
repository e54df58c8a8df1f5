import { timingSafeEqual } from 'node:crypto';

/** Methods that change nothing (RFC 9110 §9.2.1); every other one is checked. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestOrigin {
  /** The `Origin` header, when the browser sent one. */
  origin: string | undefined;
  /** The `Sec-Fetch-Site` header (Fetch Metadata), when the browser sent one. */
  secFetchSite: string | undefined;
}

/**
 * Why a state-changing request to the console is refused as cross-site, or null when it may go
 * on. Browsers send `Sec-Fetch-Site` (and `Origin` on POST) on every request they make; a page on
 * another site can make the browser send the console's cookie (SameSite=Lax still allows a
 * top-level POST form in some browsers' first two minutes) but cannot forge these headers. A
 * client that sends neither (curl, a test) is no browser, so no cookie was sent for it by a
 * stranger's page; the CSRF token check still applies to it.
 */
export function crossSiteRefusal(request: RequestOrigin, expectedOrigin: string): string | null {
  if (request.secFetchSite !== undefined && request.secFetchSite !== 'same-origin') {
    return `Sec-Fetch-Site is ${request.secFetchSite}, not same-origin`;
  }
  if (request.origin !== undefined && request.origin !== expectedOrigin) {
    return 'the Origin is not this console';
  }
  return null;
}

/** The session's CSRF token, compared in constant time. */
export function csrfTokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
