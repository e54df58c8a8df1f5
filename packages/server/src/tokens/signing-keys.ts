import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type JsonWebKey as NodeJwk,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { SigningAlgorithm } from '../config/schema.js';
import type { SigningKeysRepository } from '../storage/keys-repository.js';
import type { SigningKeyRow } from '../storage/tables.js';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKey: KeyObject;
}

/**
 * Signing keys, kept in the database with the private half encrypted (AES-256-GCM) under a key
 * derived from the master key. A key is made on first start; the newest unretired one signs.
 */
export class SigningKeys {
  readonly #encryptionKey: Buffer;
  #current: SigningKey | undefined;
  #byKid = new Map<string, VerificationKey>();

  constructor(
    private readonly repo: SigningKeysRepository,
    masterKey: Buffer,
    private readonly clock: Clock,
  ) {
    this.#encryptionKey = Buffer.from(
      hkdfSync('sha256', masterKey, '', 'patina/signing-key-encryption/v1', 32),
    );
  }

  /** Loads the keys, making the first one with `algorithm` when there is none. */
  async init(algorithm: SigningAlgorithm): Promise<void> {
    let rows = await this.repo.all();
    if (!rows.some((row) => row.retired === null)) {
      await this.repo.insert(await this.#makeKey(algorithm));
      rows = await this.repo.all();
    }
    this.#load(rows);
  }

  current(): SigningKey {
    if (!this.#current) throw new Error('Signing keys are not loaded');
    return this.#current;
  }

  find(kid: string): VerificationKey | undefined {
    return this.#byKid.get(kid);
  }

  #load(rows: SigningKeyRow[]): void {
    const byKid = new Map<string, VerificationKey>();
    for (const row of rows) {
      const publicJwk = JSON.parse(row.public_jwk) as JWK;
      const publicKey = createPublicKey({ key: publicJwk as NodeJwk, format: 'jwk' });
      byKid.set(row.kid, { kid: row.kid, alg: row.alg as SigningAlgorithm, publicKey });
    }
    // rows come newest first
    const active = rows.find((row) => row.retired === null);
    if (!active) throw new Error('No active signing key');
    const privateJwk = JSON.parse(this.#decrypt(active.private_jwk_enc, active.kid)) as JWK;
    const publicJwk = JSON.parse(active.public_jwk) as JWK;
    this.#current = {
      kid: active.kid,
      alg: active.alg as SigningAlgorithm,
      privateKey: createPrivateKey({ key: privateJwk as NodeJwk, format: 'jwk' }),
      publicKey: createPublicKey({ key: publicJwk as NodeJwk, format: 'jwk' }),
      publicJwk,
    };
    this.#byKid = byKid;
  }

  async #makeKey(alg: SigningAlgorithm): Promise<SigningKeyRow> {
    const { privateKey, publicKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : alg === 'EdDSA'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    // RFC 7638 thumbprint: a kid every party can recompute from the key itself.
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const fullPublic: JWK = { ...publicJwk, kid, alg, use: 'sig' };
    return {
      kid,
      alg,
      public_jwk: JSON.stringify(fullPublic),
      private_jwk_enc: this.#encrypt(JSON.stringify(privateKey.export({ format: 'jwk' })), kid),
      created: this.clock.now().toISOString(),
      retired: null,
    };
  }

  #encrypt(plaintext: string, kid: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    cipher.setAAD(Buffer.from(kid));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  #decrypt(encoded: string, kid: string): string {
    const raw = Buffer.from(encoded, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new Error(
        `Cannot decrypt signing key ${kid}: the master key differs from the one it was stored under`,
        { cause },
      );
    }
  }
}
