import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  decodeJwt,
  expectRefused,
  startTestApp,
  type TestApp,
} from '../helpers.js';
import { auditOf, PATINA_PATS } from './helpers.js';

function exchangeFrom(
  t: TestApp,
  id: string,
  secret: string,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  return t.exchangeFrom(remoteAddress, id, secret, headers);
}

function listFrom(
  t: TestApp,
  token: string,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method: 'GET',
    url: `${PATINA_PATS}?owner-id=me`,
    remoteAddress,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
}

/** A PAT limited to 203.0.113.0/24 and 2001:db8::/32, made through the Patina resource. */
async function fencedPat(t: TestApp) {
  const response = await t.request({
    method: 'POST',
    url: PATINA_PATS,
    token: t.admin.token,
    json: {
      name: 'fenced',
      scope: ['sp:my-personal-access-tokens:read'],
      allowedCidrs: ['203.0.113.0/24', '2001:DB8::/32', '198.51.100.4'],
    },
  });
  expect(response.statusCode).toBe(200);
  const body = response.json<{ id: string; secret: string; allowedCidrs: string[] }>();
  expect(body.allowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32', '198.51.100.4/32']);
  return body;
}

describe('allowedCidrs', () => {
  it('lets the PAT exchange from inside and refuses it from outside, audited as ip_not_allowed', async () => {
    const t = await startTestApp();
    const pat = await fencedPat(t);
    expect((await exchangeFrom(t, pat.id, pat.secret, '203.0.113.77')).statusCode).toBe(200);
    expect((await exchangeFrom(t, pat.id, pat.secret, '2001:db8:1::5')).statusCode).toBe(200);
    expect((await exchangeFrom(t, pat.id, pat.secret, '::ffff:198.51.100.4')).statusCode).toBe(200);
    const outside = await exchangeFrom(t, pat.id, pat.secret, '192.0.2.1');
    expect(outside.statusCode).toBe(401);
    expect(outside.json()).toStrictEqual(BAD_CREDENTIALS);
    const failed = await auditOf(t, 'PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => [e.details.reason, e.sourceIp])).toEqual([
      ['ip_not_allowed', '192.0.2.1'],
    ]);
  });

  it('puts the CIDRs in the token, and Patina’s API refuses the token from outside them', async () => {
    const t = await startTestApp();
    const pat = await fencedPat(t);
    const minted = await exchangeFrom(t, pat.id, pat.secret, '203.0.113.77');
    const token = minted.json<{ access_token: string }>().access_token;
    expect(decodeJwt(token).payload.allowed_cidrs).toEqual([
      '203.0.113.0/24',
      '2001:db8::/32',
      '198.51.100.4/32',
    ]);
    expect((await listFrom(t, token, '203.0.113.8')).statusCode).toBe(200);
    const outside = await listFrom(t, token, '192.0.2.1');
    expect(outside.statusCode).toBe(401);
    expect(outside.json()).toStrictEqual({
      error:
        'JWT validation failed: the personal access token behind this JWT may not be used from this address',
    });
    // A token without the claim carries none.
    expect(decodeJwt(t.admin.token).payload).not.toHaveProperty('allowed_cidrs');
  });

  it('tells a resource server the CIDRs in the introspection answer, and only for a fenced PAT', async () => {
    const t = await startTestApp();
    const pat = await fencedPat(t);
    const minted = await exchangeFrom(t, pat.id, pat.secret, '203.0.113.77');
    const token = minted.json<{ access_token: string }>().access_token;
    const introspect = (subject: string) =>
      t.postForm('/oauth/introspect', {
        client_id: t.admin.patId,
        client_secret: t.admin.secret,
        token: subject,
      });
    const fenced = await introspect(token);
    expect(fenced.json()).toMatchObject({
      active: true,
      allowed_cidrs: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.4/32'],
    });
    expect((await introspect(t.admin.token)).json()).not.toHaveProperty('allowed_cidrs');
  });

  it('believes X-Forwarded-For only from a proxy listed in trustProxy', async () => {
    const t = await startTestApp({ config: { trustProxy: ['10.0.0.0/8'] } });
    const pat = await fencedPat(t);
    const viaProxy = { 'x-forwarded-for': '203.0.113.77' };
    expect((await exchangeFrom(t, pat.id, pat.secret, '10.1.2.3', viaProxy)).statusCode).toBe(200);
    // Not from a trusted proxy: the header is anyone's to send, and ignored.
    expect((await exchangeFrom(t, pat.id, pat.secret, '192.0.2.9', viaProxy)).statusCode).toBe(401);
    // Through the proxy from outside the PAT's CIDRs.
    const spoofed = { 'x-forwarded-for': '203.0.113.77, 192.0.2.1' };
    expect((await exchangeFrom(t, pat.id, pat.secret, '10.1.2.3', spoofed)).statusCode).toBe(401);
    expect((await auditOf(t, 'PERSONAL_ACCESS_TOKEN_USE_FAILED')).map((e) => e.sourceIp)).toEqual([
      '192.0.2.9',
      '192.0.2.1',
    ]);
    const token = await t.accessToken(t.admin.patId, t.admin.secret);
    const fencedToken = (await exchangeFrom(t, pat.id, pat.secret, '10.1.2.3', viaProxy)).json<{
      access_token: string;
    }>().access_token;
    expect((await listFrom(t, fencedToken, '10.1.2.3', viaProxy)).statusCode).toBe(200);
    expect((await listFrom(t, fencedToken, '10.1.2.3')).statusCode).toBe(401);
    expect(token).toBeTruthy();
  });

  it('without trustProxy ignores X-Forwarded-For', async () => {
    const t = await startTestApp();
    const pat = await fencedPat(t);
    const forged = { 'x-forwarded-for': '203.0.113.77' };
    expect((await exchangeFrom(t, pat.id, pat.secret, '127.0.0.1', forged)).statusCode).toBe(401);
  });

  it('takes effect at once when patched narrower, for tokens already minted', async () => {
    const t = await startTestApp();
    const pat = await fencedPat(t);
    const token = (await exchangeFrom(t, pat.id, pat.secret, '203.0.113.77')).json<{
      access_token: string;
    }>().access_token;
    const patched = await t.request({
      method: 'PATCH',
      url: `${PATINA_PATS}/${pat.id}`,
      token: t.admin.token,
      headers: { 'content-type': 'application/merge-patch+json' },
      json: { allowedCidrs: ['2001:db8::/32'] },
    });
    expect(patched.statusCode).toBe(200);
    expect((await listFrom(t, token, '203.0.113.8')).statusCode).toBe(401);
  });

  it.each([
    [
      ['10.0.0.0/33'],
      "'allowedCidrs[0]' is not an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24 or 2001:db8::/32",
    ],
    [
      ['10.0.0.1', 'example.com'],
      "'allowedCidrs[1]' is not an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24 or 2001:db8::/32",
    ],
    [['10.1.2.3/8'], "'allowedCidrs[0]' has bits set after the prefix; the network is 10.0.0.0/8"],
    [[], "'allowedCidrs' must name at least one CIDR, or be null for use from anywhere"],
  ])('refuses %j with a 400 naming the entry, and writes nothing', async (allowedCidrs, text) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'POST',
          url: PATINA_PATS,
          token: t.admin.token,
          json: { name: 'x', allowedCidrs },
        }),
      [
        400,
        '400.1.3 Illegal value',
        allowedCidrs.length === 0 ? "'allowedCidrs' must NOT have fewer than 1 items" : text,
      ],
    );
  });

  it('is not accepted by the SailPoint surfaces', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => t.postPat({ name: 'x', allowedCidrs: ['10.0.0.0/8'] }), [
      400,
      '400.1 Bad Request Content',
      "Unknown field 'allowedCidrs': this resource has no such field",
    ]);
  });
});
