import { RIGHTS } from '@patina/contract';
import { generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  decodeJwt,
  START,
  startListeningApp,
  V3,
  type TestApp,
  type TestUser,
} from '../helpers.js';

/**
 * openid-client (panva's certified client, unchanged) against a listening Patina: RFC 8414
 * discovery, the client_credentials grant with both client authentication methods, RFC 8707
 * resources, RFC 7662 introspection and RFC 7009 revocation.
 */

const ORDERS = 'https://orders.example.com';
const START_SECONDS = Date.parse(START) / 1000;
const VALIDITY_SECONDS = 43_200;
const TIMEOUT = { timeout: 30_000 };

/** A Patina listening on 127.0.0.1 whose public base URL (and so issuer) is where it listens. */
async function listening(config: Record<string, unknown> = {}): Promise<{
  t: TestApp;
  base: string;
}> {
  return startListeningApp({ config: { resources: [ORDERS], ...config } });
}

type AuthMethod = 'client_secret_basic' | 'client_secret_post';
const METHODS: AuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** openid-client's discovery of Patina as a plain OAuth 2.0 server, for one PAT as the client. */
function discover(
  base: string,
  clientId: string,
  secret: string,
  method: AuthMethod = 'client_secret_basic',
): Promise<client.Configuration> {
  const auth =
    method === 'client_secret_basic'
      ? client.ClientSecretBasic(secret)
      : client.ClientSecretPost(secret);
  return client.discovery(new URL(base), clientId, secret, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

function discoverAs(base: string, user: TestUser, method?: AuthMethod) {
  return discover(base, user.patId, user.secret, method);
}

/** Runs `send`, which must reject, and returns what it rejected with. */
async function rejection(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('openid-client discovery', TIMEOUT, () => {
  it('reads the RFC 8414 metadata', async () => {
    const { base } = await listening();
    const config = await discover(base, 'any', 'any');
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(base);
    expect(metadata.token_endpoint).toBe(`${base}/oauth/token`);
    expect(metadata.jwks_uri).toBe(`${base}/.well-known/jwks.json`);
    expect(metadata.introspection_endpoint).toBe(`${base}/oauth/introspect`);
    expect(metadata.revocation_endpoint).toBe(`${base}/oauth/revoke`);
    expect(metadata.grant_types_supported).toEqual([
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
  });
});

describe.each(METHODS)('openid-client clientCredentialsGrant with %s', TIMEOUT, (method) => {
  it('gets a bearer token with every granted scope', async () => {
    const { t, base } = await listening();
    const user = await t.user({ name: 'Olga', login: 'olga', rights: ['orders:read'] });
    const config = await discoverAs(base, user, method);
    const response = await client.clientCredentialsGrant(config);
    expect(response.token_type).toBe('bearer');
    expect(response.expires_in).toBe(VALIDITY_SECONDS);
    expect(response.scope).toBe(
      'orders:read sp:my-personal-access-tokens:manage sp:my-personal-access-tokens:read',
    );
    const { header, payload } = decodeJwt(response.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: base,
      aud: base,
      sub: user.identity.id,
      client_id: user.patId,
      scope: response.scope,
    });
  });

  it('narrows the grant to the scope parameter', async () => {
    const { t, base } = await listening();
    const user = await t.user({ name: 'Olga', rights: ['orders:read', 'orders:write'] });
    const config = await discoverAs(base, user, method);
    const response = await client.clientCredentialsGrant(config, { scope: 'orders:read' });
    expect(response.scope).toBe('orders:read');
    expect(decodeJwt(response.access_token).payload.scope).toBe('orders:read');
  });

  it('sets the audience to a listed resource, which Patina’s own API then refuses', async () => {
    const { t, base } = await listening();
    const config = await discoverAs(base, t.admin, method);
    const response = await client.clientCredentialsGrant(config, { resource: ORDERS });
    expect(decodeJwt(response.access_token).payload.aud).toBe(ORDERS);

    const own = await fetch(`${base}${V3}?owner-id=me`, {
      headers: { authorization: `Bearer ${response.access_token}` },
    });
    expect(own.status).toBe(401);
    expect(await own.json()).toEqual({ error: 'JWT validation failed: JWT claim is invalid: aud' });
  });

  it('is refused invalid_target for a resource that is not listed', async () => {
    const { t, base } = await listening();
    const config = await discoverAs(base, t.admin, method);
    const before = await t.snapshot();
    const error = await rejection(() =>
      client.clientCredentialsGrant(config, { resource: 'https://elsewhere.example.com' }),
    );
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_target', status: 400 });
    expect(await t.snapshot()).toEqual(before);
  });

  it('exposes a wrong secret as the invalid_client challenge', async () => {
    const { t, base } = await listening();
    const config = await discover(base, t.admin.patId, 'not-the-secret', method);
    const before = await t.snapshot();
    const error = await rejection(() => client.clientCredentialsGrant(config));
    // Patina answers 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2); openid-client surfaces
    // a challenge as WWWAuthenticateChallengeError, with the RFC 6749 body on its response.
    expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = error as client.WWWAuthenticateChallengeError;
    expect(challenge.code).toBe('OAUTH_WWW_AUTHENTICATE_CHALLENGE');
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'patina' } }]);
    expect(await challenge.response.json()).toEqual(BAD_CREDENTIALS);

    // A failed exchange is recorded (docs/rules.md, "Audit"); identities and PATs stay as they
    // were.
    const after = await t.snapshot();
    expect(after.identities).toEqual(before.identities);
    expect(after.pats).toEqual(before.pats);
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((event) => [event.target_id, event.outcome])).toEqual([
      [t.admin.patId, 'FAILURE'],
    ]);
  });
});

describe('openid-client tokenIntrospection', TIMEOUT, () => {
  it('describes a live token of the caller’s own PAT', async () => {
    const { t, base } = await listening();
    const user = await t.user({ name: 'Olga', login: 'olga', rights: ['orders:read'] });
    const config = await discoverAs(base, user);
    const { access_token } = await client.clientCredentialsGrant(config, { scope: 'orders:read' });
    const introspected = await client.tokenIntrospection(config, access_token);
    expect(introspected).toEqual({
      active: true,
      scope: 'orders:read',
      client_id: user.patId,
      sub: user.identity.id,
      exp: START_SECONDS + VALIDITY_SECONDS,
      iat: START_SECONDS,
      iss: base,
      jti: decodeJwt(access_token).payload.jti,
      aud: base,
      token_type: 'Bearer',
      username: 'olga',
    });
  });

  it('shows a caller without the introspection right only its own tokens', async () => {
    const { t, base } = await listening();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const carol = await t.user({ name: 'Carol', login: 'carol' });
    const config = await discoverAs(base, bob);
    expect(await client.tokenIntrospection(config, carol.token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, t.admin.token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, bob.token)).toMatchObject({
      active: true,
      client_id: bob.patId,
      username: 'bob',
    });
  });

  it('shows a resource server holding patina:tokens:introspect every live token', async () => {
    const { t, base } = await listening({
      roles: { AUDITOR: [RIGHTS.allRead], RESOURCE_SERVER: [RIGHTS.introspect] },
    });
    const server = await t.user({
      name: 'Orders API',
      login: 'orders',
      roles: ['RESOURCE_SERVER'],
    });
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const admin = await discoverAs(base, t.admin);
    const forOrders = (await client.clientCredentialsGrant(admin, { resource: ORDERS }))
      .access_token;
    const config = await discoverAs(base, server);

    for (const [token, owner] of [
      [t.admin.token, t.admin],
      [bob.token, bob],
      [forOrders, t.admin],
      [server.token, server],
    ] as const) {
      expect(await client.tokenIntrospection(config, token)).toMatchObject({
        active: true,
        client_id: owner.patId,
        sub: owner.identity.id,
        aud: token === forOrders ? ORDERS : base,
      });
    }
    expect(await client.tokenIntrospection(config, 'not-a-token')).toEqual({ active: false });
  });
});

describe('openid-client tokenRevocation', TIMEOUT, () => {
  it('revokes a token: introspection and the PAT API refuse it from then on', async () => {
    const { t, base } = await listening();
    const config = await discoverAs(base, t.admin);
    const { access_token } = await client.clientCredentialsGrant(config);
    const { jti } = decodeJwt(access_token).payload;

    await expect(client.tokenRevocation(config, access_token)).resolves.toBeUndefined();

    expect(await client.tokenIntrospection(config, access_token)).toEqual({ active: false });
    const listed = await fetch(`${base}${V3}?owner-id=me`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(listed.status).toBe(401);
    expect(await listed.json()).toEqual({ error: 'JWT validation failed: JWT has been revoked' });
    const revoked = await t.auditEvents('ACCESS_TOKEN_REVOKED');
    expect(revoked.map((event) => [event.target_id, JSON.parse(event.details) as unknown])).toEqual(
      [[t.admin.patId, { jti }]],
    );

    // Only that token: another one of the same PAT still works.
    expect(await client.tokenIntrospection(config, t.admin.token)).toMatchObject({ active: true });
  });

  it('answers 200 for a garbage or unknown token and changes nothing', async () => {
    const { t, base } = await listening();
    const config = await discoverAs(base, t.admin);
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ client_id: t.admin.patId, scope: 'sp:scopes:all' })
      .setProtectedHeader({ alg: 'ES256', kid: 'unknown', typ: 'at+jwt' })
      .setIssuer(base)
      .setAudience(base)
      .setSubject(t.admin.identity.id)
      .setJti('0123456789abcdef0123456789abcdef')
      .setIssuedAt(START_SECONDS)
      .setExpirationTime(START_SECONDS + 600)
      .sign(privateKey);
    const before = await t.snapshot();
    // openid-client resolves only on a 200 (RFC 7009 §2.2).
    await expect(client.tokenRevocation(config, 'not-a-token')).resolves.toBeUndefined();
    await expect(client.tokenRevocation(config, foreign)).resolves.toBeUndefined();
    expect(await t.snapshot()).toEqual(before);
    expect(await client.tokenIntrospection(config, t.admin.token)).toMatchObject({ active: true });
  });

  it('refuses to revoke a token issued to another client', async () => {
    const { t, base } = await listening();
    const bob = await t.user({ name: 'Bob' });
    const config = await discoverAs(base, bob);
    const before = await t.snapshot();
    const error = await rejection(() => client.tokenRevocation(config, t.admin.token));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ error: 'unauthorized_client', status: 400 });
    expect(await t.snapshot()).toEqual(before);
    const admin = await discoverAs(base, t.admin);
    expect(await client.tokenIntrospection(admin, t.admin.token)).toMatchObject({ active: true });
  });
});
