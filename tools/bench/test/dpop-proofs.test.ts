import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

/**
 * S7's proofs (lib/dpop.mjs), signed with node:crypto for speed, read back by jose, the library
 * Patina verifies them with: RFC 9449 §4.2's header and claims, one key, a jti each.
 */
interface DpopModule {
  dpopClient: () => {
    proof: (request: { htm: string; htu: string; accessToken?: string }) => string;
    proofs: (request: { htm: string; htu: string; accessToken: string; count: number }) => string[];
  };
}

const DPOP = new URL('../lib/dpop.mjs', import.meta.url).href;
const HTU = 'http://127.0.0.1:8080/v3/personal-access-tokens';

describe('DPoP proofs of the bench', () => {
  it('verify with the key in their header, name the request and the token, and differ in jti', async () => {
    const { dpopClient } = (await import(DPOP)) as DpopModule;
    const before = Math.floor(Date.now() / 1000);
    const proofs = dpopClient().proofs({ htm: 'GET', htu: HTU, accessToken: 'token', count: 50 });
    const thumbprints = new Set<string>();
    const jtis = new Set<unknown>();
    for (const proof of proofs) {
      const header = decodeProtectedHeader(proof);
      expect(header.typ).toBe('dpop+jwt');
      expect(header.alg).toBe('ES256');
      expect(Object.keys(header.jwk ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
      const { payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
      });
      expect(payload.htm).toBe('GET');
      expect(payload.htu).toBe(HTU);
      expect(payload.ath).toBe(createHash('sha256').update('token').digest('base64url'));
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      thumbprints.add(await calculateJwkThumbprint(header.jwk!, 'sha256'));
      jtis.add(payload.jti);
    }
    expect(thumbprints.size).toBe(1);
    expect(jtis.size).toBe(50);
  });

  it('leaves ath out of a proof sent without a token (the token request)', async () => {
    const { dpopClient } = (await import(DPOP)) as DpopModule;
    const proof = dpopClient().proof({ htm: 'POST', htu: 'http://127.0.0.1:8080/oauth/token' });
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { algorithms: ['ES256'] });
    expect(payload).not.toHaveProperty('ath');
    expect(payload.htm).toBe('POST');
  });
});
