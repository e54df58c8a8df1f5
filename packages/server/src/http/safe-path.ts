/** Patina's ids are 32 characters; secrets (64) and access tokens (hundreds) are longer. */
const MAX_SHOWN_SEGMENT = 32;

/**
 * The request path as logs and error messages may show it: no query string (the token endpoint
 * takes credentials there), and any path segment longer than an id replaced by `…`, so a secret
 * or token pasted into a URL by mistake is never written down.
 */
export function safePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path
    .split('/')
    .map((segment) => (segment.length > MAX_SHOWN_SEGMENT ? '…' : segment))
    .join('/');
}
