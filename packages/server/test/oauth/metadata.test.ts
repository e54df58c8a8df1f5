import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJwt, ISSUER, startTestApp, TEST_CATALOGUE, type TestApp } from '../helpers.js';

const METADATA = '/.well-known/oauth-authorization-server';
const JWKS = '/.well-known/jwks.json';
const CLIENT_AUTH = ['client_secret_basic', 'client_secret_post'];

/** Every scope of the test config: the catch-all, then the catalogue sorted. */
const SCOPES_SUPPORTED = ['sp:scopes:all', ...TEST_CATALOGUE];

async function jwks(t: TestApp): Promise<JSONWebKeySet> {
  const response = await t.app.inject({ method: 'GET', url: JWKS });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<JSONWebKeySet>();
}

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('names the issuer, every endpoint and what they support', async () => {
    const t = await startTestApp();
    const response = await t.app.inject({ method: 'GET', url: METADATA });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.json()).toEqual({
      issuer: 'http://patina.test',
      token_endpoint: 'http://patina.test/oauth/token',
      jwks_uri: 'http://patina.test/.well-known/jwks.json',
      introspection_endpoint: 'http://patina.test/oauth/introspect',
      revocation_endpoint: 'http://patina.test/oauth/revoke',
      grant_types_supported: [
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: CLIENT_AUTH,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH,
      scopes_supported: SCOPES_SUPPORTED,
      access_token_signing_alg_values_supported: ['ES256'],
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      service_documentation: 'http://patina.test/openapi.json',
    });
  });

  it('answers without a bearer token', async () => {
    const t = await startTestApp();
    const response = await t.app.inject({
      method: 'GET',
      url: METADATA,
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ issuer: ISSUER });
  });

  it('follows config.issuer, which is also every token’s iss', async () => {
    const issuer = 'https://id.example.com';
    const t = await startTestApp({ config: { issuer } });
    const metadata = (await t.app.inject({ method: 'GET', url: METADATA })).json<{
      issuer: string;
      token_endpoint: string;
    }>();
    expect(metadata.issuer).toBe(issuer);
    // The endpoints stay where the server is reachable: the public base URL.
    expect(metadata.token_endpoint).toBe('http://patina.test/oauth/token');
    expect(decodeJwt(t.admin.token).payload).toMatchObject({ iss: issuer, aud: issuer });
  });

  it('lists the algorithm of every published key', async () => {
    const t = await startTestApp({ config: { signing: { algorithm: 'EdDSA' } } });
    const before = (await t.app.inject({ method: 'GET', url: METADATA })).json<{
      access_token_signing_alg_values_supported: string[];
    }>();
    expect(before.access_token_signing_alg_values_supported).toEqual(['EdDSA']);
    t.clock.advance(1000);
    const rotated = await t.request({
      method: 'POST',
      url: '/patina/v1/signing-keys/rotate',
      token: t.admin.token,
      json: { algorithm: 'RS256' },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const after = (await t.app.inject({ method: 'GET', url: METADATA })).json<{
      access_token_signing_alg_values_supported: string[];
    }>();
    expect(after.access_token_signing_alg_values_supported).toEqual(['RS256', 'EdDSA']);
  });
});

describe('GET /.well-known/jwks.json (RFC 7517)', () => {
  it('publishes the signing key’s public half only', async () => {
    const t = await startTestApp();
    const response = await t.app.inject({ method: 'GET', url: JWKS });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    const { keys } = response.json<JSONWebKeySet>();
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(Object.keys(key!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(key).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    expect(key).not.toHaveProperty('d');
    expect(key!.kid).toBe(decodeJwt(t.admin.token).header.kid);
  });

  it('verifies Patina’s access tokens with an ordinary JOSE library', async () => {
    const t = await startTestApp();
    const { payload, protectedHeader } = await jwtVerify(
      t.admin.token,
      createLocalJWKSet(await jwks(t)),
      {
        issuer: ISSUER,
        audience: ISSUER,
        typ: 'at+jwt',
        algorithms: ['ES256'],
        currentDate: t.clock.now(),
      },
    );
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: t.admin.identity.id, client_id: t.admin.patId });
  });
});

describe('GET /openapi.json', () => {
  it('documents the OAuth endpoints and the signing-key API', async () => {
    const t = await startTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const { paths } = response.json<{ paths: Record<string, Record<string, unknown>> }>();
    const expected: [string, string][] = [
      ['/.well-known/oauth-authorization-server', 'get'],
      ['/.well-known/jwks.json', 'get'],
      ['/oauth/token', 'post'],
      ['/oauth/introspect', 'post'],
      ['/oauth/revoke', 'post'],
      ['/patina/v1/signing-keys', 'get'],
      ['/patina/v1/signing-keys/rotate', 'post'],
    ];
    for (const [path, method] of expected) {
      expect(paths[path], path).toHaveProperty(method);
    }
  });
});
