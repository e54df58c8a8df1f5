import {
  ADMIN_BASE,
  MAX_LEAKED_CREDENTIALS,
  type RevokeCredentialsRequest,
} from '@patina/contract';
import { Http, type RequestOptions, type RetryOptions } from '../http.js';

const PATH = `${ADMIN_BASE}/credentials/revoke`;

/**
 * Revocation of leaked secrets by their value (docs/leaked-secrets.md). The endpoint takes no
 * authentication, so neither does this: whoever finds a secret can kill it. The server answers
 * the same whether any string was a live secret, so nothing comes back to tell.
 */
export class LeakedCredentials {
  constructor(private readonly http: Http) {}

  /**
   * Sends every string (each at most 256 characters), in requests of at most 1,000; each that is
   * the current or grace-window secret of a live PAT revokes that PAT.
   */
  async revoke(secrets: readonly string[], options: RequestOptions = {}): Promise<void> {
    const distinct = [...new Set(secrets)];
    for (let start = 0; start < distinct.length; start += MAX_LEAKED_CREDENTIALS) {
      const body: RevokeCredentialsRequest = {
        credentials: distinct.slice(start, start + MAX_LEAKED_CREDENTIALS),
      };
      await this.http.send({
        method: 'POST',
        path: PATH,
        route: PATH,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: options.signal,
      });
    }
  }
}

/**
 * `client.credentials.revoke` without a client: whoever found the secrets needs only the base
 * URL, not credentials of their own.
 */
export function revokeLeakedCredentials(
  options: { baseUrl: string; fetch?: typeof fetch; retry?: RetryOptions },
  secrets: readonly string[],
  requestOptions: RequestOptions = {},
): Promise<void> {
  const http = new Http({ ...options, now: Date.now });
  return new LeakedCredentials(http).revoke(secrets, requestOptions);
}
