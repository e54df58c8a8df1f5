import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { DPOP_ALGORITHMS } from '@patina/contract';
import type { JWK } from 'jose';
import type { Clock } from '../core/clock.js';
import type { SharedState } from '../core/shared-state.js';

/**
 * DPoP (RFC 9449): proof of possession of a key, so a token bound to that key is useless to
 * whoever copies it. A proof is a JWT the client signs for each request with the key whose public
 * half is in its header (`typ: dpop+jwt`), naming the request (`htm`, `htu`), when (`iat`), a
 * unique `jti`, and, sent with a token, the token's hash (`ath`).
 */

/** Why a proof was refused; `nonce` means the server wants one (RFC 9449 §8). */
export class DpopError extends Error {
  override readonly name = 'DpopError';
  constructor(
    readonly kind: 'invalid' | 'nonce',
    message: string,
  ) {
    super(message);
  }
}

/** Remembers proof jtis until they could no longer pass the iat window: a replay is refused. */
export interface DpopReplayStore {
  /** True the first time `key` is seen before `expiresAtMs`; false for a replay. */
  firstUse(key: string, expiresAtMs: number): Promise<boolean>;
}

/** This node's memory: enough for one node; with Redis configured, the nodes share one store. */
export class MemoryReplayStore implements DpopReplayStore {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 200_000,
  ) {}

  firstUse(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const until = this.#seen.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#seen.set(key, expiresAtMs);
    if (this.#seen.size > this.maxEntries) this.#prune(now);
    return Promise.resolve(true);
  }

  #prune(now: number): void {
    for (const [key, until] of this.#seen) {
      if (until <= now) this.#seen.delete(key);
    }
    // Still nearly full of live entries: the oldest tenth goes at once, so the next scan is
    // that many inserts away rather than the next one.
    if (this.#seen.size > this.maxEntries * 0.9) {
      let drop = this.#seen.size - Math.floor(this.maxEntries * 0.9);
      for (const key of this.#seen.keys()) {
        if (drop-- <= 0) break;
        this.#seen.delete(key);
      }
    }
  }
}

/**
 * The replay check of a node's workers, kept by their primary (core/shared-state.ts); this
 * process's memory while the primary does not answer.
 */
export class SharedReplayStore implements DpopReplayStore {
  constructor(
    private readonly state: SharedState,
    private readonly fallback: DpopReplayStore,
  ) {}

  async firstUse(key: string, expiresAtMs: number): Promise<boolean> {
    try {
      return await this.state.firstUse('dpop', key, expiresAtMs);
    } catch {
      return this.fallback.firstUse(key, expiresAtMs);
    }
  }
}

/**
 * Shared by every node through Redis: `SET key 1 PX ttl NX` succeeds once. While Redis cannot be
 * reached, this node's memory decides, as the rate limits do.
 */
export class RedisReplayStore implements DpopReplayStore {
  constructor(
    private readonly redis: {
      set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<string | null>;
    },
    private readonly prefix: string,
    private readonly fallback: DpopReplayStore,
  ) {}

  async firstUse(key: string, expiresAtMs: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAtMs - Date.now());
    try {
      return (await this.redis.set(this.prefix + key, '1', 'PX', ttl, 'NX')) === 'OK';
    } catch {
      return this.fallback.firstUse(key, expiresAtMs);
    }
  }
}

/** Server nonces (RFC 9449 §8): an HMAC of the 5-minute window; the current and last one pass. */
export class DpopNonces {
  static readonly WINDOW_MS = 5 * 60_000;
  readonly #key: Buffer;

  constructor(
    masterKey: Buffer,
    private readonly clock: Clock,
  ) {
    this.#key = createHmac('sha256', masterKey).update('patina dpop nonce').digest();
  }

  current(): string {
    return this.#of(Math.floor(this.clock.now().getTime() / DpopNonces.WINDOW_MS));
  }

  isValid(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const window = Math.floor(this.clock.now().getTime() / DpopNonces.WINDOW_MS);
    return nonce === this.#of(window) || nonce === this.#of(window - 1);
  }

  #of(window: number): string {
    return createHmac('sha256', this.#key).update(String(window)).digest('base64url').slice(0, 32);
  }
}

export interface DpopSettings {
  /** How old a proof's iat may be, in seconds. */
  proofMaxAgeSeconds: number;
  clockSkewSeconds: number;
  /** Set: every proof must carry a current server nonce. */
  nonces?: DpopNonces | undefined;
}

/** The thumbprint `cnf.jkt` of a token bound to the key that signed `proof`. */
export interface VerifiedProof {
  jkt: string;
}

export class DpopVerifier {
  readonly #keys = new Map<string, { key: KeyObject; jkt: string }>();

  constructor(
    private readonly deps: { clock: Clock; replay: DpopReplayStore; settings: DpopSettings },
  ) {}

  get nonces(): DpopNonces | undefined {
    return this.deps.settings.nonces;
  }

  /**
   * Checks one proof for a request (RFC 9449 §4.3): typ, an allowed algorithm, a public key in the
   * header and the signature by it, htm and htu naming this request, iat within the window, a
   * jti not seen before, ath when a token comes with it, and the nonce when one is required.
   */
  async verify(check: {
    proof: string;
    method: string;
    url: string;
    accessToken?: string;
  }): Promise<VerifiedProof> {
    const { clock, replay, settings } = this.deps;
    const { payload, jkt } = this.#verifySignature(check.proof);
    if (payload.htm !== check.method) {
      throw new DpopError('invalid', `its htm is not ${check.method}`);
    }
    if (typeof payload.htu !== 'string' || !sameTarget(payload.htu, check.url)) {
      throw new DpopError('invalid', `its htu is not ${withoutQuery(check.url)}`);
    }
    const now = Math.floor(clock.now().getTime() / 1000);
    const { proofMaxAgeSeconds, clockSkewSeconds } = settings;
    if (
      typeof payload.iat !== 'number' ||
      payload.iat > now + clockSkewSeconds ||
      payload.iat < now - proofMaxAgeSeconds - clockSkewSeconds
    ) {
      throw new DpopError('invalid', `its iat is not within ${proofMaxAgeSeconds} s of now`);
    }
    if (typeof payload.exp === 'number' && payload.exp <= now - clockSkewSeconds) {
      throw new DpopError('invalid', 'it has expired (exp)');
    }
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) {
      throw new DpopError('invalid', 'it has no jti');
    }
    if (check.accessToken !== undefined && payload.ath !== tokenHash(check.accessToken)) {
      throw new DpopError('invalid', 'its ath is not the hash of the access token sent with it');
    }
    if (settings.nonces && !settings.nonces.isValid(payload.nonce)) {
      throw new DpopError(
        'nonce',
        'a DPoP nonce is required: use the value of the DPoP-Nonce header',
      );
    }
    const expiresAtMs = (payload.iat + proofMaxAgeSeconds + 2 * clockSkewSeconds) * 1000;
    if (!(await replay.firstUse(`${jkt}:${payload.jti}`, expiresAtMs))) {
      throw new DpopError('invalid', 'it was used before (jti)');
    }
    return { jkt };
  }

  /**
   * The compact JWS checked synchronously with node:crypto (RFC 7515 §5.2): `typ: dpop+jwt`, an
   * allowed `alg`, a public `jwk` in the header, the signature by it. A proof comes with every
   * call of a bound token, so the key imported from a JWK and its thumbprint are kept (bounded):
   * jose's import and verification through WebCrypto cost four times as much per call
   * (docs/benchmarks.md, "DPoP-bound list (S7)").
   */
  #verifySignature(proof: string): { payload: Record<string, unknown>; jkt: string } {
    const parts = proof.split('.');
    if (parts.length !== 3 || parts.some((part) => !BASE64URL.test(part))) {
      throw new DpopError('invalid', 'it is not a signed JWT');
    }
    const header = parseJson(parts[0]!);
    const payload = parseJson(parts[1]!);
    if (!header || !payload) throw new DpopError('invalid', 'it is not a signed JWT');
    if (header.typ !== 'dpop+jwt') throw new DpopError('invalid', 'its typ is not dpop+jwt');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(DPOP_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new DpopError('invalid', `its algorithm is not one of ${DPOP_ALGORITHMS.join(', ')}`);
    }
    if ('crit' in header) throw new DpopError('invalid', 'it names critical extensions (crit)');
    const key = this.#keyOf(header.jwk, alg);
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    let good = false;
    try {
      good = verifySignature(alg, data, key.key, signature);
    } catch {
      good = false;
    }
    if (!good) {
      throw new DpopError('invalid', 'its signature does not verify with the key in its header');
    }
    return { payload, jkt: key.jkt };
  }

  #keyOf(jwk: unknown, alg: string): { key: KeyObject; jkt: string } {
    const members = jwk && typeof jwk === 'object' ? thumbprintMembers(jwk) : undefined;
    if (!members || 'd' in (jwk as object)) {
      throw new DpopError('invalid', 'its header has no public jwk');
    }
    if (
      !KEY_TYPES[alg]!.includes(String((jwk as JWK).kty) + ':' + String((jwk as JWK).crv ?? ''))
    ) {
      throw new DpopError('invalid', `its jwk is not a key for ${alg}`);
    }
    const cached = this.#keys.get(members);
    if (cached) return cached;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new DpopError('invalid', 'its header has no usable public jwk');
    }
    // RFC 7638: the SHA-256 of the required members, in lexicographic order, without spaces.
    const entry = { key, jkt: createHash('sha256').update(members).digest('base64url') };
    if (this.#keys.size >= MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(members, entry);
    return entry;
  }
}

const MAX_KEYS = 10_000;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The key types each algorithm takes: `kty:crv` (crv empty for RSA). */
const KEY_TYPES: Record<string, string[]> = {
  ES256: ['EC:P-256'],
  RS256: ['RSA:'],
  PS256: ['RSA:'],
  EdDSA: ['OKP:Ed25519'],
};

function verifySignature(alg: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  switch (alg) {
    case 'ES256':
      return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'PS256':
      return cryptoVerify(
        'sha256',
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    case 'EdDSA':
      return cryptoVerify(null, data, key, signature);
    default:
      return cryptoVerify('sha256', data, key, signature);
  }
}

/** RFC 7638 §3.2: the required members of a public JWK as canonical JSON; undefined if absent. */
function thumbprintMembers(jwk: JWK): string | undefined {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  switch (jwk.kty) {
    case 'EC': {
      const [crv, x, y] = [text(jwk.crv), text(jwk.x), text(jwk.y)];
      return crv && x && y ? JSON.stringify({ crv, kty: 'EC', x, y }) : undefined;
    }
    case 'RSA': {
      const [e, n] = [text(jwk.e), text(jwk.n)];
      return e && n ? JSON.stringify({ e, kty: 'RSA', n }) : undefined;
    }
    case 'OKP': {
      const [crv, x] = [text(jwk.crv), text(jwk.x)];
      return crv && x ? JSON.stringify({ crv, kty: 'OKP', x }) : undefined;
    }
    default:
      return undefined;
  }
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 9449 §6.1 `ath`: base64url of the SHA-256 of the access token. */
export function tokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** RFC 9449 §4.3: htu matches the request's URI without query and fragment (normalised). */
function sameTarget(htu: string, url: string): boolean {
  try {
    return withoutQuery(htu) === withoutQuery(url);
  } catch {
    return false;
  }
}
