import * as oidc from 'openid-client';

/** What the console's `sso.*` settings say about the issuer. */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: readonly string[];
  allowHttp: boolean;
}

/** A sign-in started at the issuer: kept (sealed) in a cookie until the browser comes back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  startedAtMs: number;
}

/** Why the issuer's answer was not a sign-in; the code is shown to the person, never a token. */
export class SsoError extends Error {
  override readonly name = 'SsoError';
  constructor(
    readonly code: 'SSO_UNAVAILABLE' | 'SSO_DENIED' | 'SSO_INVALID_RESPONSE',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The OpenID Connect relying party (openid-client, a certified client): authorization code flow
 * with PKCE (RFC 7636, S256), `state` against CSRF on the redirect (RFC 6749 §10.12) and `nonce`
 * bound into the ID token (OpenID Connect Core §3.1.2.1). The issuer's discovery document is read
 * at first use and kept; a failed read is tried again on the next sign-in.
 */
export class SsoClient {
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: SsoSettings) {}

  #config(): Promise<oidc.Configuration> {
    this.#configuration ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        undefined,
        // RFC 6749 §2.3.1: every authorization server must support HTTP Basic for the client
        // secret, so it is the one that works everywhere.
        oidc.ClientSecretBasic(this.settings.clientSecret),
        this.settings.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((cause: unknown) => {
        this.#configuration = undefined;
        throw new SsoError('SSO_UNAVAILABLE', 'The identity provider could not be reached', {
          cause,
        });
      });
    return this.#configuration;
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async begin(nowMs: number): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.#config();
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      startedAtMs: nowMs,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * The person's claims: the ID token's (checked by openid-client: signature, issuer, audience,
   * expiry, nonce), with the UserInfo endpoint's added where the issuer has one (many put email
   * and groups only there). `query` is the callback's query string.
   */
  async finish(query: string, pending: PendingSignIn): Promise<Record<string, unknown>> {
    const config = await this.#config();
    const callback = new URL(this.settings.redirectUri);
    callback.search = query;
    const error = callback.searchParams.get('error');
    if (error !== null) {
      throw new SsoError('SSO_DENIED', `The identity provider refused the sign-in (${error})`);
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (cause) {
      throw new SsoError(
        'SSO_INVALID_RESPONSE',
        'The identity provider’s answer could not be verified',
        { cause },
      );
    }
    const idClaims = tokens.claims();
    if (!idClaims) {
      throw new SsoError('SSO_INVALID_RESPONSE', 'The identity provider sent no ID token');
    }
    let userInfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint) {
      try {
        userInfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (cause) {
        throw new SsoError('SSO_INVALID_RESPONSE', 'The identity provider’s UserInfo failed', {
          cause,
        });
      }
    }
    return { ...userInfo, ...idClaims };
  }
}
