import { DPOP_ALGORITHMS } from '@patina/contract';
import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
} from 'jose';
import { VerifyError } from './errors.js';

/** What a request says to prove possession of a DPoP-bound token (RFC 9449 §7). */
export interface DpopRequest {
  /** The `Authorization` scheme the token came with. */
  scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` header: the proof. */
  proof: string | undefined;
  /** The request's method and its URL as the client addressed it (no query needed). */
  method: string;
  url: string;
}

const MAX_AGE_SECONDS = 60;
const SKEW_SECONDS = 5;

/**
 * The proof checks of RFC 9449 §4.3 for a resource server: typ, algorithm, the public key in the
 * header and the signature by it, htm, htu, iat within a minute, ath, a jti not seen before (this
 * process remembers them), and the key's thumbprint equal to the token's `cnf.jkt`.
 */
export class DpopProofs {
  readonly #seen = new Map<string, number>();

  async check(request: DpopRequest, token: string, jkt: string): Promise<void> {
    if (request.scheme !== 'DPoP' || request.proof === undefined) {
      throw refused('the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof');
    }
    let header;
    try {
      header = decodeProtectedHeader(request.proof);
    } catch {
      throw refused('the DPoP proof is not a signed JWT');
    }
    if (!header.jwk) throw refused('the DPoP proof has no jwk in its header');
    let payload;
    try {
      ({ payload } = await jwtVerify(request.proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...DPOP_ALGORITHMS],
      }));
    } catch {
      throw refused('the DPoP proof does not verify (typ, algorithm or signature)');
    }
    if (payload.htm !== request.method)
      throw refused(`the DPoP proof's htm is not ${request.method}`);
    if (typeof payload.htu !== 'string' || strip(payload.htu) !== strip(request.url)) {
      throw refused(`the DPoP proof's htu is not ${strip(request.url)}`);
    }
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof payload.iat !== 'number' ||
      payload.iat > now + SKEW_SECONDS ||
      payload.iat < now - MAX_AGE_SECONDS - SKEW_SECONDS
    ) {
      throw refused(`the DPoP proof's iat is not within ${MAX_AGE_SECONDS} s of now`);
    }
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
    if (payload.ath !== base64url.encode(new Uint8Array(digest))) {
      throw refused("the DPoP proof's ath is not the hash of the token");
    }
    if ((await calculateJwkThumbprint(header.jwk, 'sha256')) !== jkt) {
      throw refused('the DPoP proof is signed by another key than the one the token is bound to');
    }
    if (typeof payload.jti !== 'string' || payload.jti === '')
      throw refused('the DPoP proof has no jti');
    this.#remember(
      `${jkt}:${payload.jti}`,
      (payload.iat + MAX_AGE_SECONDS + 2 * SKEW_SECONDS) * 1000,
    );
  }

  #remember(key: string, untilMs: number): void {
    const nowMs = Date.now();
    const seen = this.#seen.get(key);
    if (seen !== undefined && seen > nowMs) throw refused('the DPoP proof was used before (jti)');
    this.#seen.set(key, untilMs);
    if (this.#seen.size > 100_000) {
      for (const [k, until] of this.#seen) if (until <= nowMs) this.#seen.delete(k);
    }
  }
}

function refused(message: string): VerifyError {
  return new VerifyError('ERR_DPOP_PROOF', message);
}

function strip(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url;
  }
}
