import { ADMIN_BASE, type RotateSigningKeyRequest, type SigningKeyInfo } from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';

const PATH = `${ADMIN_BASE}/signing-keys`;

/** The keys access tokens are signed with. */
export class SigningKeys {
  constructor(private readonly api: Api) {}

  /** Newest first (all-read). */
  list(options: RequestOptions = {}): Promise<SigningKeyInfo[]> {
    return this.api.call({ method: 'GET', path: PATH, route: PATH, signal: options.signal });
  }

  /** Sign with a new key from now on; the old one verifies until its tokens expire (all-manage). */
  rotate(
    body: RotateSigningKeyRequest = {},
    options: RequestOptions = {},
  ): Promise<SigningKeyInfo> {
    return this.api.call({
      method: 'POST',
      path: `${PATH}/rotate`,
      route: `${PATH}/rotate`,
      json: body,
      signal: options.signal,
    });
  }
}
