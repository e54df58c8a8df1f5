import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

/** A client's DPoP key pair and proofs made with it, as RFC 9449 §4 writes them. */
export interface DpopKey {
  jkt: string;
  proof: (
    htm: string,
    htu: string,
    options?: {
      accessToken?: string;
      nonce?: string;
      iat?: number;
      jti?: string;
      typ?: string;
      claims?: Record<string, unknown>;
    },
  ) => Promise<string>;
}

export async function dpopKey(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (htm, htu, options = {}) =>
      new SignJWT({
        htm,
        htu,
        jti: options.jti ?? randomUUID(),
        iat: options.iat ?? Math.floor(Date.now() / 1000),
        ...(options.accessToken !== undefined && {
          ath: createHash('sha256').update(options.accessToken).digest('base64url'),
        }),
        ...(options.nonce !== undefined && { nonce: options.nonce }),
        ...options.claims,
      })
        .setProtectedHeader({ alg, typ: options.typ ?? 'dpop+jwt', jwk })
        .sign(privateKey),
  };
}
