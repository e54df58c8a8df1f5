import {
  ACCESS_TOKEN_TYPE,
  SET_TYP,
  SSF_DELIVERY_POLL,
  SSF_EVENTS,
  SSF_PATHS,
  type AccessTokenClaims,
} from '@patina/contract';
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { VerifyError } from './errors.js';
import { DpopProofs, type DpopRequest } from './dpop.js';
import { Revocations } from './revocations.js';

export interface VerifierOptions {
  /** Patina's issuer (its public base URL): where the metadata and the SSF configuration are. */
  issuer: string;
  /** The audience your tokens carry (Patina's `audience` setting, or a `resource` you ask for). */
  audience: string;
  /** A PAT holding `ssf.manage`, to open the verifier's event stream. */
  clientId: string;
  clientSecret: string;
  /**
   * Longest the stream may go unheard before tokens are no longer trusted on their signature
   * alone; default 5000 ms.
   */
  maxStalenessMs?: number;
  /**
   * While the stream is stale: `fail` refuses every token (ERR_STREAM_STALE, the default);
   * `introspect` asks Patina about each token (RFC 7662). Never silently open.
   */
  whenStale?: 'fail' | 'introspect';
  /** Accepted clock skew for exp, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** Tests and proxies: the fetch to use. */
  fetch?: typeof fetch;
}

export interface Verifier {
  /**
   * The claims of a live token, or a VerifyError saying why not. `request` is what the request
   * says of DPoP (its scheme, proof, method and URL): a DPoP-bound token is live only with a
   * good proof by its key (RFC 9449 §7); without `request`, it is refused.
   */
  verify(token: string, request?: DpopRequest): Promise<AccessTokenClaims>;
  /** Whether the stream has been heard from within maxStalenessMs. */
  readonly fresh: boolean;
  readonly streamId: string;
  /** Stops polling and deletes the stream. */
  close(): Promise<void>;
}

const DEFAULT_MAX_STALENESS_MS = 5000;

interface Discovered {
  tokenEndpoint: string;
  jwksUri: string;
  introspectionEndpoint: string | undefined;
  ssf: { configurationEndpoint: string; jwksUri: string; issuer: string };
}

/**
 * Discovers Patina's metadata and its SSF transmitter, opens a poll stream of its own (RFC 8936)
 * for credential-change and session-revoked events, and keeps polling it. `verify` checks a
 * token's signature against Patina's JWKS and refuses it when the stream said its PAT or owner
 * was revoked after it was issued.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const doFetch = options.fetch ?? fetch;
  const issuer = options.issuer.replace(/\/$/, '');
  let found: Discovered;
  try {
    const metadata = await json(doFetch, `${issuer}/.well-known/oauth-authorization-server`);
    const ssf = await json(doFetch, `${issuer}${SSF_PATHS.configuration}`);
    found = {
      tokenEndpoint: String(metadata.token_endpoint),
      jwksUri: String(metadata.jwks_uri),
      introspectionEndpoint:
        typeof metadata.introspection_endpoint === 'string'
          ? metadata.introspection_endpoint
          : undefined,
      ssf: {
        configurationEndpoint: String(ssf.configuration_endpoint),
        jwksUri: String(ssf.jwks_uri),
        issuer: String(ssf.issuer),
      },
    };
  } catch (cause) {
    throw new VerifyError('ERR_SETUP_FAILED', `Cannot discover Patina at ${issuer}`, { cause });
  }
  const verifier = new PollingVerifier(options, found, doFetch);
  await verifier.open();
  return verifier;
}

class PollingVerifier implements Verifier {
  readonly #options: VerifierOptions;
  readonly #found: Discovered;
  readonly #fetch: typeof fetch;
  readonly #tokenKeys: ReturnType<typeof createRemoteJWKSet>;
  readonly #setKeys: ReturnType<typeof createRemoteJWKSet>;
  readonly #revocations = new Revocations();
  readonly #proofs = new DpopProofs();
  readonly #maxStalenessMs: number;
  #streamId = '';
  #pollUrl = '';
  #audience = '';
  /** When the last successful poll was sent: every SET queued before then has been applied. */
  #freshAt = 0;
  #accessToken: { value: string; renewAt: number } | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  #inFlight: AbortController | undefined;

  constructor(options: VerifierOptions, found: Discovered, doFetch: typeof fetch) {
    this.#options = options;
    this.#found = found;
    this.#fetch = doFetch;
    this.#maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    this.#tokenKeys = createRemoteJWKSet(new URL(found.jwksUri), { [customFetch]: doFetch });
    this.#setKeys = createRemoteJWKSet(new URL(found.ssf.jwksUri), { [customFetch]: doFetch });
  }

  get streamId(): string {
    return this.#streamId;
  }

  get fresh(): boolean {
    return Date.now() - this.#freshAt <= this.#maxStalenessMs;
  }

  async open(): Promise<void> {
    const res = await this.#call('POST', this.#found.ssf.configurationEndpoint, {
      delivery: { method: SSF_DELIVERY_POLL },
      events_requested: [SSF_EVENTS.credentialChange, SSF_EVENTS.sessionRevoked],
      description: '@patina/verify',
    });
    if (res.status !== 201) {
      throw new VerifyError('ERR_SETUP_FAILED', `Opening the event stream answered ${res.status}`);
    }
    const stream = (await res.json()) as {
      stream_id: string;
      aud: string;
      delivery: { endpoint_url: string };
    };
    this.#streamId = stream.stream_id;
    this.#pollUrl = stream.delivery.endpoint_url;
    this.#audience = stream.aud;
    // The first poll makes the stream fresh; tokens are trusted from then on.
    try {
      await this.#poll(true);
    } catch (cause) {
      // No verifier comes of it: its stream must not stay behind, counting against the client.
      await this.#deleteStream();
      throw new VerifyError('ERR_SETUP_FAILED', 'The first poll of the event stream failed', {
        cause,
      });
    }
    this.#loop = this.#run();
  }

  async verify(token: string, request?: DpopRequest): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#tokenKeys, {
        issuer: this.#found.ssf.issuer,
        audience: this.#options.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: this.#options.clockToleranceSeconds ?? 5,
      }));
    } catch (cause) {
      const reason = cause instanceof joseErrors.JOSEError ? `: ${cause.code}` : '';
      throw new VerifyError('ERR_TOKEN_INVALID', `The access token is not valid${reason}`, {
        cause,
      });
    }
    const claims = payload as unknown as AccessTokenClaims;
    if (claims.cnf !== undefined) {
      if (request === undefined) {
        throw new VerifyError(
          'ERR_DPOP_PROOF',
          'the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof',
        );
      }
      await this.#proofs.check(request, token, claims.cnf.jkt);
    } else if (request?.scheme === 'DPoP') {
      throw new VerifyError(
        'ERR_DPOP_PROOF',
        'the token is not DPoP-bound: send it with the Bearer scheme',
      );
    }
    const refused = this.#revocations.refusal(claims);
    if (refused) throw new VerifyError('ERR_TOKEN_REVOKED', refused);
    if (!this.fresh) {
      if (this.#options.whenStale !== 'introspect') {
        throw new VerifyError(
          'ERR_STREAM_STALE',
          `No word from Patina's event stream for over ${this.#maxStalenessMs} ms; refusing tokens until it is back`,
        );
      }
      await this.#introspect(token);
    }
    return claims;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#inFlight?.abort();
    await this.#loop;
    await this.#deleteStream();
  }

  /** Best effort: a stream already gone, or a Patina out of reach, is no reason to fail. */
  async #deleteStream(): Promise<void> {
    const url = new URL(this.#found.ssf.configurationEndpoint);
    url.searchParams.set('stream_id', this.#streamId);
    await this.#call('DELETE', url.toString()).catch(() => undefined);
  }

  /**
   * Long polls, each cut short at half the staleness bound so that a silent network cannot keep
   * the verifier trusting a stream it no longer hears; a cut-short poll is followed by one that
   * answers at once, which proves the stream alive.
   */
  async #run(): Promise<void> {
    let failures = 0;
    let quick = false;
    while (!this.#closed) {
      try {
        const answered = await this.#poll(quick);
        quick = !answered;
        failures = 0;
      } catch {
        if (this.#closed) return;
        failures += 1;
        await sleep(Math.min(100 * 2 ** failures, 2000));
      }
    }
  }

  /** One poll; false when it was cut short (no answer within half the staleness bound). */
  async #poll(returnImmediately: boolean): Promise<boolean> {
    const sentAt = Date.now();
    const controller = new AbortController();
    this.#inFlight = controller;
    const timer = setTimeout(() => controller.abort(), Math.max(this.#maxStalenessMs / 2, 250));
    let body: { sets?: Record<string, string>; moreAvailable?: boolean };
    try {
      const res = await this.#call(
        'POST',
        this.#pollUrl,
        { maxEvents: 100, returnImmediately },
        controller.signal,
      );
      if (res.status === 404) {
        // The stream is gone (deleted by an operator): nothing it would say can be heard.
        throw new VerifyError('ERR_STREAM_STALE', 'The event stream was deleted');
      }
      if (res.status !== 200) throw new Error(`poll answered ${res.status}`);
      body = (await res.json()) as typeof body;
    } catch (error) {
      if (controller.signal.aborted && !this.#closed) return false;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const acks: string[] = [];
    for (const [jti, set] of Object.entries(body.sets ?? {})) {
      const { payload } = await jwtVerify(set, this.#setKeys, {
        typ: SET_TYP,
        issuer: this.#found.ssf.issuer,
        audience: this.#audience,
      });
      this.#revocations.apply(payload);
      acks.push(jti);
    }
    if (acks.length > 0) {
      // Acknowledged at once (RFC 8936 §2.4.2), answering immediately: no hold for this call.
      const ack = await this.#call('POST', this.#pollUrl, {
        ack: acks,
        maxEvents: 0,
        returnImmediately: true,
      });
      if (ack.status !== 200) throw new Error(`ack answered ${ack.status}`);
    }
    if (!body.moreAvailable) this.#freshAt = sentAt;
    return true;
  }

  async #introspect(token: string): Promise<void> {
    const endpoint = this.#found.introspectionEndpoint;
    if (!endpoint) {
      throw new VerifyError(
        'ERR_INTROSPECTION_FAILED',
        'Patina announces no introspection endpoint',
      );
    }
    let active = false;
    try {
      const res = await this.#fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: basic(this.#options.clientId, this.#options.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      active = res.status === 200 && ((await res.json()) as { active?: unknown }).active === true;
    } catch (cause) {
      throw new VerifyError('ERR_INTROSPECTION_FAILED', 'Introspection could not be reached', {
        cause,
      });
    }
    if (!active)
      throw new VerifyError('ERR_TOKEN_REVOKED', 'Introspection says the token is not active');
  }

  async #call(
    method: string,
    url: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const token = await this.#token();
    return this.#fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
  }

  /** The verifier's own access token, renewed when half its lifetime is gone. */
  async #token(): Promise<string> {
    if (this.#accessToken && Date.now() < this.#accessToken.renewAt) return this.#accessToken.value;
    const res = await this.#fetch(this.#found.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic(this.#options.clientId, this.#options.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    if (res.status !== 200) {
      throw new VerifyError('ERR_SETUP_FAILED', `The token endpoint answered ${res.status}`);
    }
    const answer = (await res.json()) as { access_token: string; expires_in: number };
    this.#accessToken = {
      value: answer.access_token,
      renewAt: Date.now() + (answer.expires_in * 1000) / 2,
    };
    return answer.access_token;
  }
}

async function json(doFetch: typeof fetch, url: string): Promise<Record<string, unknown>> {
  const res = await doFetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** RFC 6749 §2.3.1: both parts form-encoded before Basic. */
function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${btoa(`${enc(id)}:${enc(secret)}`)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
