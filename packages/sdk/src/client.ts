import type { ApiVersion, IntrospectionResponse } from '@patina/contract';
import type { Api, ApiAnswer, ApiRequest } from './api.js';
import { PatinaApiError, PatinaConfigurationError } from './errors.js';
import {
  ENVIRONMENT_NAMES,
  processEnvironment,
  readEnvironment,
  type Environment,
} from './environment.js';
import { Http, type HttpResponse, type RequestOptions, type RetryOptions } from './http.js';
import { AccessReviews } from './resources/access-reviews.js';
import { Audit } from './resources/audit.js';
import { Identities } from './resources/identities.js';
import { LeakedCredentials } from './resources/leaked-credentials.js';
import { OverviewResource } from './resources/overview.js';
import { PatRequests } from './resources/pat-requests.js';
import { Scim } from './resources/scim.js';
import { PatinaPats } from './resources/patina-pats.js';
import { Pats } from './resources/pats.js';
import { SigningKeys } from './resources/signing-keys.js';
import { SsfStreams } from './resources/ssf-streams.js';
import { TrustPolicies } from './resources/trust-policies.js';
import { Webhooks } from './resources/webhooks.js';
import { ClientCredentials, StaticToken, type TokenSource } from './token-source.js';

/** A PAT's client id and secret (exchanged for access tokens), or an access token to use as is. */
export type Credentials =
  | { clientId: string; clientSecret: string; accessToken?: undefined }
  | { accessToken: string; clientId?: undefined; clientSecret?: undefined };

export type PatinaClientOptions = Credentials & {
  /** Where Patina answers, e.g. `http://127.0.0.1:7070`. */
  baseUrl: string;
  /** The surface of the PAT resource (SailPoint's API versions); default `v3`. */
  apiVersion?: ApiVersion;
  /** 429 and 503 retries; see RetryOptions. */
  retry?: RetryOptions;
  /** A fetch of your own (a proxy agent, a test double); default the global fetch. */
  fetch?: typeof fetch;
  /** The clock the token cache reads, in ms since the epoch; default Date.now. */
  now?: () => number;
};

/** The API's 401 for an access token past its `exp` (the text after "JWT validation failed: "). */
const EXPIRED = /\bJWT is expired\b/;

/**
 * A typed client for Patina. Give it a PAT's client credentials (it then fetches, caches and
 * renews access tokens itself) or an access token:
 *
 *   const patina = new PatinaClient({ baseUrl, clientId, clientSecret });
 *   for await (const pat of patina.pats.iterate({ ownerId: 'me' })) console.log(pat.name);
 */
export class PatinaClient {
  /** PATs on the SailPoint surface of `apiVersion`, plus `get` and `rotate`. */
  readonly pats: Pats;
  /** PATs on Patina's own resource: description, allowedCidrs, status, merge patches. */
  readonly patinaPats: PatinaPats;
  readonly identities: Identities;
  readonly audit: Audit;
  /** Aggregates for dashboards: live PATs by last use and expiry week, exchanges per day. */
  readonly overview: OverviewResource;
  readonly signingKeys: SigningKeys;
  readonly webhooks: Webhooks;
  /** Every client's Shared Signals streams, for administrators: list and delete. */
  readonly ssfStreams: SsfStreams;
  /** Workload identity federation: which platform tokens are traded for whose access tokens. */
  readonly trustPolicies: TrustPolicies;
  /** Requests for PATs with sensitive scopes: list, approve, deny, fetch the secret once. */
  readonly patRequests: PatRequests;
  /** Certification campaigns: items with evidence, decisions, close, report (JSON and CSV). */
  readonly accessReviews: AccessReviews;
  /** The SCIM service's setup (base URL, right) and the directory's latest requests. */
  readonly scim: Scim;
  /** Leaked-secret revocation; sent without authentication. */
  readonly credentials: LeakedCredentials;
  readonly #http: Http;
  readonly #tokens: TokenSource;

  constructor(options: PatinaClientOptions) {
    const baseUrl = checkBaseUrl(options.baseUrl);
    const now = options.now ?? Date.now;
    this.#http = new Http({ baseUrl, fetch: options.fetch, retry: options.retry, now });
    this.#tokens = tokenSource(this.#http, options, now);
    const api: Api = {
      call: async <T>(request: ApiRequest) => (await this.#call<T>(request)).body,
      answer: (request) => this.#call(request),
    };
    this.patinaPats = new PatinaPats(api);
    this.pats = new Pats(api, options.apiVersion ?? 'v3', this.patinaPats);
    this.identities = new Identities(api);
    this.audit = new Audit(api);
    this.overview = new OverviewResource(api);
    this.signingKeys = new SigningKeys(api);
    this.webhooks = new Webhooks(api);
    this.ssfStreams = new SsfStreams(api);
    this.trustPolicies = new TrustPolicies(api);
    this.patRequests = new PatRequests(api);
    this.accessReviews = new AccessReviews(api);
    this.scim = new Scim(api);
    this.credentials = new LeakedCredentials(this.#http);
  }

  /**
   * A client from PATINA_BASE_URL and PATINA_CLIENT_ID + PATINA_CLIENT_SECRET or
   * PATINA_ACCESS_TOKEN (SailPoint's SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET when
   * Patina's are absent). `options` fill in or override what the environment lacks.
   */
  static fromEnvironment(
    options: Partial<PatinaClientOptions> = {},
    env: Environment = processEnvironment(),
  ): PatinaClient {
    const found = readEnvironment(env);
    const baseUrl = options.baseUrl ?? found.baseUrl?.value;
    if (!baseUrl) {
      throw new PatinaConfigurationError(
        `No base URL: set ${ENVIRONMENT_NAMES.baseUrl.join(' or ')}`,
      );
    }
    const { accessToken, clientId, clientSecret, ...rest } = options;
    const credentials = pickCredentials({
      accessToken: accessToken ?? found.accessToken?.value,
      clientId: clientId ?? found.clientId?.value,
      clientSecret: clientSecret ?? found.clientSecret?.value,
    });
    return new PatinaClient({ ...rest, ...credentials, baseUrl });
  }

  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  /** An access token good for the next request: `Authorization: Bearer <it>`. */
  accessToken(options: RequestOptions = {}): Promise<string> {
    return this.#tokens.get(options);
  }

  /**
   * RFC 7662 introspection of `token` (default: the client's own), authenticated with the
   * client's own token. Without `patina:tokens:introspect` only tokens minted from the same PAT
   * are reported active.
   */
  async introspect(token?: string, options: RequestOptions = {}): Promise<IntrospectionResponse> {
    const own = await this.#tokens.get(options);
    const { body } = await this.#http.send({
      method: 'POST',
      path: '/oauth/introspect',
      route: '/oauth/introspect',
      headers: {
        authorization: `Bearer ${own}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: token ?? own }).toString(),
      signal: options.signal,
    });
    return body as IntrospectionResponse;
  }

  /** One API call with the bearer token; once more with a fresh token if it had just expired. */
  async #call<T>(request: ApiRequest): Promise<ApiAnswer<T>> {
    const { json, contentType, ...rest } = request;
    const send = async (token: string) =>
      this.#http.send({
        ...rest,
        headers: {
          authorization: `Bearer ${token}`,
          ...(json !== undefined && { 'content-type': contentType ?? 'application/json' }),
        },
        ...(json !== undefined && { body: JSON.stringify(json) }),
      });
    const token = await this.#tokens.get(request);
    let response: HttpResponse;
    try {
      response = await send(token);
    } catch (error) {
      if (!isExpiredToken(error) || !this.#tokens.expired(token)) throw error;
      response = await send(await this.#tokens.get(request));
    }
    return { status: response.status, body: response.body as T };
  }
}

function isExpiredToken(error: unknown): boolean {
  return (
    error instanceof PatinaApiError &&
    error.status === 401 &&
    error.error !== undefined &&
    EXPIRED.test(error.error)
  );
}

function tokenSource(http: Http, options: Credentials, now: () => number): TokenSource {
  const credentials = pickCredentials(options);
  return credentials.accessToken !== undefined
    ? new StaticToken(credentials.accessToken)
    : new ClientCredentials(http, credentials, now);
}

function pickCredentials(given: {
  accessToken?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
}): Credentials {
  if (given.clientId && given.clientSecret) {
    return { clientId: given.clientId, clientSecret: given.clientSecret };
  }
  if (given.accessToken) return { accessToken: given.accessToken };
  if (given.clientId) {
    throw new PatinaConfigurationError(
      `A client id without its secret: set ${ENVIRONMENT_NAMES.clientSecret.join(' or ')}`,
    );
  }
  throw new PatinaConfigurationError(
    `No credentials: give a client id and secret (${ENVIRONMENT_NAMES.clientId[0]}, ` +
      `${ENVIRONMENT_NAMES.clientSecret[0]}) or an access token (${ENVIRONMENT_NAMES.accessToken[0]})`,
  );
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new PatinaConfigurationError('The base URL is not a URL (e.g. http://127.0.0.1:7070)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PatinaConfigurationError('The base URL must start with http:// or https://');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new PatinaConfigurationError(
      'The base URL may not carry a query, a fragment or credentials',
    );
  }
  return url.href;
}
