import type { TokenResponse } from '@patina/contract';
import type { Http, RequestOptions } from './http.js';

/** Renew at most this long before expiry … */
const RENEW_BEFORE_MAX_SECONDS = 60;
/** … and at most this part of the token's lifetime before, so a 15-second token lasts 11 s. */
const RENEW_BEFORE_FRACTION = 0.25;

/** Where the access tokens of a client come from. */
export interface TokenSource {
  /** A token good for the next request. */
  get(options?: RequestOptions): Promise<string>;
  /** The API said this token expired: forget it. False when nothing can replace it. */
  expired(token: string): boolean;
}

/** A token given by the caller (`PATINA_ACCESS_TOKEN`): used as is, never renewed. */
export class StaticToken implements TokenSource {
  constructor(private readonly token: string) {}

  get(): Promise<string> {
    return Promise.resolve(this.token);
  }

  expired(): boolean {
    return false;
  }
}

interface Cached {
  token: string;
  /** When to fetch a new one, in ms since the epoch on the client's clock. */
  renewAtMs: number;
  response: TokenResponse;
}

/**
 * Access tokens from `/oauth/token` (RFC 6749 §4.4, client credentials in the body, §2.3.1),
 * cached until shortly before `expires_in` runs out. However many calls wait, one exchange is in
 * flight: they all share its answer.
 */
export class ClientCredentials implements TokenSource {
  #cached: Cached | undefined;
  #inFlight: Promise<Cached> | undefined;

  constructor(
    private readonly http: Http,
    private readonly credentials: { clientId: string; clientSecret: string },
    private readonly now: () => number,
  ) {}

  async get(options: RequestOptions = {}): Promise<string> {
    return (await this.response(options)).access_token;
  }

  /** The token endpoint's whole answer for the cached token (identity, scope, expiry). */
  async response(options: RequestOptions = {}): Promise<TokenResponse> {
    const cached = this.#cached;
    if (cached && this.now() < cached.renewAtMs) return cached.response;
    return (await abortable(this.#exchange(), options.signal)).response;
  }

  expired(token: string): boolean {
    if (this.#cached?.token === token) this.#cached = undefined;
    return true;
  }

  /** One exchange for every waiting caller. It runs to its end even if a caller gives up. */
  #exchange(): Promise<Cached> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<Cached> {
    const startedMs = this.now();
    const { body } = await this.http.send({
      method: 'POST',
      path: '/oauth/token',
      route: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.credentials.clientId,
        client_secret: this.credentials.clientSecret,
      }).toString(),
    });
    const response = body as TokenResponse;
    const lifetimeMs = response.expires_in * 1000;
    const marginMs = Math.min(RENEW_BEFORE_MAX_SECONDS * 1000, lifetimeMs * RENEW_BEFORE_FRACTION);
    // Counted from when the request left, so time spent in transit shortens the cache, not the
    // token's real life.
    const cached = {
      token: response.access_token,
      renewAtMs: startedMs + lifetimeMs - marginMs,
      response,
    };
    this.#cached = cached;
    return cached;
  }
}

/** The promise, or the signal's reason as soon as it aborts (the promise itself runs on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
