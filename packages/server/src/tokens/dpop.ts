import { createHash, createHmac } from 'node:crypto';
import { DPOP_ALGORITHMS } from '@patina/contract';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors as joseErrors,
  jwtVerify,
  type JWK,
} from 'jose';
import type { Clock } from '../core/clock.js';

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
    // Still full of live entries: the oldest go (a replay of those is refused by iat soon).
    while (this.#seen.size > this.maxEntries) this.#seen.delete(this.#seen.keys().next().value!);
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
    let jwk: JWK | undefined;
    try {
      const header = decodeProtectedHeader(check.proof);
      jwk = header.jwk;
      if (header.typ !== 'dpop+jwt') throw new DpopError('invalid', 'its typ is not dpop+jwt');
    } catch (error) {
      if (error instanceof DpopError) throw error;
      throw new DpopError('invalid', 'it is not a signed JWT');
    }
    if (!jwk || 'd' in jwk || 'k' in jwk) {
      throw new DpopError('invalid', 'its header has no public jwk');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(check.proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...DPOP_ALGORITHMS],
        currentDate: clock.now(),
        clockTolerance: settings.clockSkewSeconds,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEAlgNotAllowed) {
        throw new DpopError('invalid', `its algorithm is not one of ${DPOP_ALGORITHMS.join(', ')}`);
      }
      throw new DpopError('invalid', 'its signature does not verify with the key in its header');
    }
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
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) {
      throw new DpopError('invalid', 'it has no jti');
    }
    if (check.accessToken !== undefined && payload.ath !== tokenHash(check.accessToken)) {
      throw new DpopError('invalid', 'its ath is not the hash of the access token sent with it');
    }
    if (settings.nonces && !settings.nonces.isValid(payload.nonce)) {
      throw new DpopError('nonce', 'a DPoP nonce is required: use the value of the DPoP-Nonce header');
    }
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    const expiresAtMs = (payload.iat + proofMaxAgeSeconds + 2 * clockSkewSeconds) * 1000;
    if (!(await replay.firstUse(`${jkt}:${payload.jti}`, expiresAtMs))) {
      throw new DpopError('invalid', 'it was used before (jti)');
    }
    return { jkt };
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
