import { RIGHTS } from '@patina/contract';
import type { LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJwt, ISSUER, startTestApp, V3, type TestApp } from '../helpers.js';

const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com';

/** A deployment that serves two resources beside itself, and a PAT of the admin. */
async function withResources(resources: string[] = [ORDERS]) {
  const t = await startTestApp({
    config: {
      resources,
      roles: { AUDITOR: [RIGHTS.allRead], RESOURCE_SERVER: [RIGHTS.introspect] },
    },
  });
  const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
  return { t, pat };
}

/** POST /oauth/token with the given `resource` parameters, each its own form field. */
function exchangeFor(
  t: TestApp,
  pat: { id: string; secret: string },
  resources: string[],
): Promise<LightMyRequestResponse> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: pat.id,
    client_secret: pat.secret,
  });
  for (const resource of resources) form.append('resource', resource);
  return t.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
}

function audienceOf(response: LightMyRequestResponse): unknown {
  expect(response.statusCode, response.body).toBe(200);
  return decodeJwt(response.json<{ access_token: string }>().access_token).payload.aud;
}

/** A token request that must be refused with invalid_target, changing nothing. */
async function expectInvalidTarget(t: TestApp, send: () => Promise<LightMyRequestResponse>) {
  const before = await t.snapshot();
  const response = await send();
  expect(response.statusCode, response.body).toBe(400);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(await t.snapshot()).toEqual(before);
  return response.json<{ error: string; error_description: string }>();
}

describe('POST /oauth/token with RFC 8707 resource parameters', () => {
  it('makes a token for a listed resource', async () => {
    const { t, pat } = await withResources();
    expect(audienceOf(await exchangeFor(t, pat, [ORDERS]))).toBe(ORDERS);
  });

  it('makes a token for several resources, in the order asked', async () => {
    const { t, pat } = await withResources([ORDERS, BILLING]);
    expect(audienceOf(await exchangeFor(t, pat, [BILLING, ORDERS]))).toEqual([BILLING, ORDERS]);
    // Naming one twice names it once.
    expect(audienceOf(await exchangeFor(t, pat, [ORDERS, ORDERS]))).toBe(ORDERS);
  });

  it('makes a token for Patina itself by default or when asked by its issuer', async () => {
    const { t, pat } = await withResources();
    expect(audienceOf(await exchangeFor(t, pat, []))).toBe(ISSUER);
    const asked = await exchangeFor(t, pat, [ISSUER]);
    expect(audienceOf(asked)).toBe(ISSUER);
    const token = asked.json<{ access_token: string }>().access_token;
    const listed = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
    expect(listed.statusCode).toBe(200);
  });

  it('refuses a resource the deployment does not list with invalid_target', async () => {
    const { t, pat } = await withResources();
    const other = 'https://other.example.com';
    expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [other]))).toEqual({
      error: 'invalid_target',
      error_description: `The resource '${other}' is not served here`,
    });
    // One unknown among known ones spoils the request.
    expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [ORDERS, other]))).toEqual({
      error: 'invalid_target',
      error_description: `The resource '${other}' is not served here`,
    });
    // Listed resources are compared exactly: no trailing slash added.
    expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [`${ORDERS}/`]))).toEqual({
      error: 'invalid_target',
      error_description: `The resource '${ORDERS}/' is not served here`,
    });
  });

  it('refuses a relative resource and one with a fragment with invalid_target', async () => {
    const { t, pat } = await withResources();
    for (const resource of ['orders', '/orders']) {
      expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [resource]))).toEqual({
        error: 'invalid_target',
        error_description: `The resource '${resource}' is not an absolute URI`,
      });
    }
    // RFC 8707 §2: the resource MUST NOT include a fragment, even an empty one.
    for (const resource of [`${ORDERS}#x`, `${ORDERS}#`]) {
      expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [resource]))).toEqual({
        error: 'invalid_target',
        error_description: `The resource '${resource}' must not have a fragment`,
      });
    }
  });

  it('refuses every resource but Patina’s own when none are configured', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    expect(await expectInvalidTarget(t, () => exchangeFor(t, pat, [ORDERS]))).toEqual({
      error: 'invalid_target',
      error_description: `The resource '${ORDERS}' is not served here`,
    });
    expect(audienceOf(await exchangeFor(t, pat, [ISSUER]))).toBe(ISSUER);
  });
});

describe('a token made for another resource', () => {
  it('is refused by Patina’s own API with 401', async () => {
    const { t, pat } = await withResources();
    const token = (await exchangeFor(t, pat, [ORDERS])).json<{ access_token: string }>()
      .access_token;
    const before = await t.snapshot();
    const response = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'JWT validation failed: JWT claim is invalid: aud' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="patina", error="invalid_token", error_description="JWT claim is invalid: aud"',
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it('is active with its audience at introspection, for a caller with the right', async () => {
    const { t, pat } = await withResources([ORDERS, BILLING]);
    const rs = await t.user({
      name: 'Orders API',
      login: 'orders-api',
      roles: ['RESOURCE_SERVER'],
    });
    const response = await exchangeFor(t, pat, [ORDERS, BILLING]);
    const token = response.json<{ access_token: string }>().access_token;
    const introspected = await t.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        client_id: rs.patId,
        client_secret: rs.secret,
        token,
      }).toString(),
    });
    expect(introspected.statusCode, introspected.body).toBe(200);
    expect(introspected.json()).toMatchObject({
      active: true,
      client_id: pat.id,
      sub: t.admin.identity.id,
      aud: [ORDERS, BILLING],
    });
  });

  it('verifies offline at the resource server with its own audience', async () => {
    const { t, pat } = await withResources();
    const token = (await exchangeFor(t, pat, [ORDERS])).json<{ access_token: string }>()
      .access_token;
    const jwks = (
      await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    ).json<JSONWebKeySet>();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: ORDERS,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: t.clock.now(),
    });
    expect(payload).toMatchObject({ aud: ORDERS, client_id: pat.id });
  });
});
