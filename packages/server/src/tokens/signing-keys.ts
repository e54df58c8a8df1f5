import { type SigningAlgorithm } from '@patina/contract';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey as NodeJwk,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../core/clock.js';
import { SealedBox } from '../core/sealed-box.js';
import type { SigningKeysRepository } from '../storage/keys-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { SigningKeyRow } from '../storage/tables.js';

const RELOAD_COOLDOWN_MS = 10_000;

/** Makes the key pair of a new signing key. */
export type KeyPairSource = (alg: SigningAlgorithm) => {
  privateKey: KeyObject;
  publicKey: KeyObject;
};

/** A new key pair from the operating system's random source: what every node uses. */
export const newKeyPair: KeyPairSource = (alg) =>
  alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Which set of keys a SigningKeys holds, and how its keys are made. */
export interface KeySetOptions {
  keysOf?: (repos: Repositories) => SigningKeysRepository;
  encryptionLabel?: string;
  /** Tests hand out pairs made earlier, since a 2048-bit RSA pair takes ~100 ms to make. */
  keyPairs?: KeyPairSource;
}

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
  publicJwk: JWK;
  created: string;
  /** null while the key signs; afterwards, the last moment a token it signed can be valid. */
  verifyUntil: string | null;
}

/**
 * Signing keys, kept in the database with the private half encrypted (AES-256-GCM) under a key
 * derived from the master key. A key is made on first start; the newest unretired one signs.
 * Rotation adds a key that signs from then on; the old key stays published and verifies until
 * every token it signed has expired (`verify_until`), then drops out by itself.
 */
export class SigningKeys {
  readonly #box: SealedBox;
  readonly #keysOf: (repos: Repositories) => SigningKeysRepository;
  readonly #keyPairs: KeyPairSource;
  #current: SigningKey | undefined;
  #byKid = new Map<string, VerificationKey>();
  #lastReloadMs = 0;
  #unsubscribe: (() => void) | undefined;

  /**
   * `set` picks the key set: the access-token keys by default, or another set kept the same way
   * (the Shared Signals transmitter's own keys), each in its table and under its own derived
   * encryption key, so no key of one set can be read or used as a key of the other.
   */
  constructor(
    private readonly storage: Storage,
    masterKey: Buffer,
    private readonly clock: Clock,
    set: KeySetOptions = {},
  ) {
    this.#keysOf = set.keysOf ?? ((repos) => repos.signingKeys);
    this.#keyPairs = set.keyPairs ?? newKeyPair;
    this.#box = new SealedBox(masterKey, set.encryptionLabel ?? 'patina/signing-key-encryption/v1');
  }

  /**
   * Loads the keys, making the first one with `algorithm` when there is none (once, however many
   * nodes start together), and from then on reloads them whenever any node changes them.
   */
  async init(algorithm: SigningAlgorithm): Promise<void> {
    let rows = await this.#keysOf(this.storage.repos).all();
    if (!rows.some((row) => row.retired === null)) {
      const row = await this.#makeKey(algorithm);
      await this.storage.transaction(async (repos) => {
        await this.#keysOf(repos).lock();
        const current = await this.#keysOf(repos).all();
        if (!current.some((r) => r.retired === null)) await this.#keysOf(repos).insert(row);
      });
      rows = await this.#keysOf(this.storage.repos).all();
    }
    this.#load(rows);
    this.#unsubscribe?.();
    this.#unsubscribe = this.storage.feed.subscribe((event) => {
      if (event.kind !== 'keys' && event.kind !== 'reset') return;
      // A failed reload leaves the old keys in place; an unknown kid or the next housekeeping
      // pass reloads again.
      // It does not start the unknown-kid cooldown: that bounds reads caused by callers.
      // #load can throw too (no active key in what was read): caught with the read's errors,
      // or it would escape as an unhandled rejection and end the process.
      this.#keysOf(this.storage.repos)
        .all()
        .then((rows) => this.#load(rows))
        .catch(() => {
          this.#lastReloadMs = 0;
        });
    });
  }

  /** Re-reads the keys, e.g. after another process rotated them. */
  async reload(): Promise<void> {
    this.#load(await this.#keysOf(this.storage.repos).all());
    this.#lastReloadMs = this.clock.now().getTime();
  }

  /**
   * A key looked up by `kid` that is not loaded may have been made by another process (the
   * `patina keys rotate` command, another node): reload, at most once per RELOAD_COOLDOWN_MS so
   * tokens with made-up kids cannot make every request read the database.
   */
  async findOrReload(kid: string): Promise<VerificationKey | undefined> {
    const key = this.find(kid);
    if (key || this.#byKid.has(kid)) return key;
    if (this.clock.now().getTime() - this.#lastReloadMs < RELOAD_COOLDOWN_MS) return undefined;
    await this.reload();
    return this.find(kid);
  }

  /**
   * A new signing key from now on. The old one stops signing and stays valid for verification
   * for `overlapSeconds` (the longest access-token lifetime), so no issued token breaks.
   */
  async rotate(options: {
    algorithm: SigningAlgorithm;
    overlapSeconds: number;
    /** Runs in the rotation's transaction, e.g. to record an audit event. */
    alongside?: (repos: Repositories, kid: string) => Promise<void>;
    /**
     * Rotate only if the signing key was made at or before this instant; checked under the keys'
     * lock, so nodes that all find a rotation due make one new key between them.
     */
    onlyIfCreatedBy?: string;
  }): Promise<VerificationKey | undefined> {
    const now = this.clock.now();
    const row = await this.#makeKey(options.algorithm);
    const rotated = await this.storage.transaction(async (repos) => {
      await this.#keysOf(repos).lock();
      if (options.onlyIfCreatedBy !== undefined) {
        const active = (await this.#keysOf(repos).all()).find((r) => r.retired === null);
        if (active && active.created > options.onlyIfCreatedBy) return false;
      }
      const verifyUntil = new Date(now.getTime() + options.overlapSeconds * 1000).toISOString();
      await this.#keysOf(repos).retireActive(now.toISOString(), verifyUntil);
      await this.#keysOf(repos).insert(row);
      await options.alongside?.(repos, row.kid);
      return true;
    });
    await this.reload();
    return rotated ? this.find(row.kid) : undefined;
  }

  /** Stops listening for other nodes' key changes. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  current(): SigningKey {
    if (!this.#current) throw new Error('Signing keys are not loaded');
    return this.#current;
  }

  /** A key that may verify now: the signing key, or a retired one inside its overlap. */
  find(kid: string): VerificationKey | undefined {
    const key = this.#byKid.get(kid);
    if (!key) return undefined;
    return key.verifyUntil === null || key.verifyUntil > this.clock.now().toISOString()
      ? key
      : undefined;
  }

  /** Every key ever made, newest first, expired ones included. */
  all(): VerificationKey[] {
    return [...this.#byKid.values()];
  }

  /** The keys a resource server needs now (RFC 7517 JWK Set), newest first. */
  published(): VerificationKey[] {
    return [...this.#byKid.values()].filter((key) => this.find(key.kid) !== undefined);
  }

  #load(rows: SigningKeyRow[]): void {
    const byKid = new Map<string, VerificationKey>();
    for (const row of rows) {
      const publicJwk = JSON.parse(row.public_jwk) as JWK;
      const publicKey = createPublicKey({ key: publicJwk as NodeJwk, format: 'jwk' });
      byKid.set(row.kid, {
        kid: row.kid,
        alg: row.alg as SigningAlgorithm,
        publicKey,
        publicJwk,
        created: row.created,
        verifyUntil: row.verify_until,
      });
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
    const { privateKey, publicKey } = this.#keyPairs(alg);
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    // RFC 7638 thumbprint: a kid every party can recompute from the key itself.
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const fullPublic: JWK = { ...publicJwk, kid, alg, use: 'sig' };
    return {
      kid,
      alg,
      public_jwk: JSON.stringify(fullPublic),
      private_jwk_enc: this.#box.seal(JSON.stringify(privateKey.export({ format: 'jwk' })), kid),
      created: this.clock.now().toISOString(),
      retired: null,
      verify_until: null,
    };
  }

  #decrypt(encoded: string, kid: string): string {
    try {
      return this.#box.open(encoded, kid);
    } catch (cause) {
      throw new Error(
        `Cannot decrypt signing key ${kid}: the master key differs from the one it was stored under`,
        { cause },
      );
    }
  }
}
