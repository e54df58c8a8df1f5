import { performance } from 'node:perf_hooks';
import {
  createLocalJWKSet,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { UrlRefused, type Resolve, type UrlPolicy } from '../notifications/ssrf-guard.js';
import { fetchJson, FetchFailed } from './fetch-json.js';

type KeySet = ReturnType<typeof createLocalJWKSet>;
type Key = Awaited<ReturnType<KeySet>>;

/** A key set is fetched again after this long even when every kid is known. */
const MAX_AGE_MS = 60 * 60_000;
/** An unknown kid refetches a key set at most this often (a forged kid cannot make Patina a proxy). */
const REFRESH_GAP_MS = 60_000;

interface Entry {
  keys: KeySet;
  fetchedAtMs: number;
}

/** The issuer's keys could not be had; the message names the URL and why, never a token. */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

/** No key of the issuer's set has the token's kid (after one refetch at most a minute). */
export class KeyNotFound extends Error {
  override readonly name = 'KeyNotFound';
}

/**
 * The signing keys of the issuers trust policies name: from the policy's `jwksUri`, or from the
 * `jwks_uri` of the issuer's OpenID discovery document. Cached per source; a token whose `kid` is
 * not in the cached set makes one refetch, at most once a minute per source, so a stream of
 * forged kids costs one request a minute. Every fetch goes through the SSRF guard.
 */
export class IssuerKeys {
  readonly #sets = new Map<string, Entry>();
  readonly #lastFetchMs = new Map<string, number>();
  readonly #pending = new Map<string, Promise<Entry>>();

  constructor(private readonly deps: { policy: UrlPolicy; resolve: Resolve; now?: () => number }) {}

  /** The key for a token's header from the issuer's set. */
  async key(
    source: { issuer: string; jwksUri: string | null },
    header: JWSHeaderParameters,
  ): Promise<Key> {
    const id = `${source.issuer} ${source.jwksUri ?? ''}`;
    const now = this.#now();
    let entry = this.#sets.get(id);
    if (!entry || now - entry.fetchedAtMs > MAX_AGE_MS) entry = await this.#fetch(id, source);
    try {
      return await entry.keys(header);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
    }
    const last = this.#lastFetchMs.get(id) ?? -Infinity;
    if (now - last >= REFRESH_GAP_MS) {
      entry = await this.#fetch(id, source);
      try {
        return await entry.keys(header);
      } catch (error) {
        if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      }
    }
    throw new KeyNotFound(
      header.kid === undefined
        ? 'the token names no kid and no single key of the issuer fits it'
        : 'no key of the issuer has the token’s kid',
    );
  }

  #fetch(id: string, source: { issuer: string; jwksUri: string | null }): Promise<Entry> {
    let pending = this.#pending.get(id);
    if (!pending) {
      this.#lastFetchMs.set(id, this.#now());
      pending = this.#load(source)
        .then((entry) => {
          this.#sets.set(id, entry);
          if (this.#sets.size > 1000) this.#sets.delete(this.#sets.keys().next().value!);
          return entry;
        })
        .finally(() => this.#pending.delete(id));
      this.#pending.set(id, pending);
    }
    return pending;
  }

  async #load(source: { issuer: string; jwksUri: string | null }): Promise<Entry> {
    const { policy, resolve } = this.deps;
    try {
      let jwksUri = source.jwksUri;
      if (jwksUri === null) {
        const discovery = `${source.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
        const document = await fetchJson(discovery, policy, resolve);
        if (document.issuer !== source.issuer) {
          throw new KeysUnavailable(`${discovery} names another issuer`);
        }
        if (typeof document.jwks_uri !== 'string') {
          throw new KeysUnavailable(`${discovery} has no jwks_uri`);
        }
        jwksUri = document.jwks_uri;
      }
      const set = await fetchJson(jwksUri, policy, resolve);
      if (!Array.isArray(set.keys)) throw new KeysUnavailable(`${jwksUri} is not a JWK set`);
      return { keys: createLocalJWKSet(set as unknown as JSONWebKeySet), fetchedAtMs: this.#now() };
    } catch (error) {
      if (error instanceof KeysUnavailable) throw error;
      if (error instanceof FetchFailed || error instanceof UrlRefused) {
        throw new KeysUnavailable(error.message);
      }
      if (error instanceof joseErrors.JOSEError) {
        throw new KeysUnavailable(`the issuer's key set is not usable (${error.code})`);
      }
      throw error;
    }
  }

  #now(): number {
    return this.deps.now ? this.deps.now() : performance.now();
  }
}
