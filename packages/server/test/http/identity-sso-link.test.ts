import type { Identity } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  ILLEGAL,
  MISSING,
  REFERENCE_CONFLICT,
  startTestApp,
  type TestApp,
} from '../helpers.js';

const ISSUER = 'https://login.example.com';
const BAD_REQUEST = '400.1 Bad Request Content';
const ISSUER_TEXT =
  "'ssoLink.issuer' must be the issuer's URL as its ID tokens name it in 'iss', such as https://login.example.com (http or https, no query or fragment, at most 512 characters)";

async function bea(t: TestApp): Promise<Identity> {
  return (await t.user({ name: 'Bea', login: 'bea' })).identity;
}

describe('PATCH /patina/v1/identities/{id} ssoLink', () => {
  it('links an identity to an SSO account, shows the link, and removes it with null', async () => {
    const t = await startTestApp();
    const b = await bea(t);
    t.clock.advance(60_000);
    const linked = await t.patchIdentity(b.id, { ssoLink: { issuer: ISSUER, subject: 'AbC-1' } });
    expect(linked.statusCode, linked.body).toBe(200);
    // The issuer as the URL standard writes it; the subject exactly as given.
    const ssoLink = { issuer: `${ISSUER}/`, subject: 'AbC-1' };
    expect(linked.json()).toEqual({ ...b, ssoLink, modified: '2026-01-15T10:01:00.000Z' });
    const fetched = await t.request({
      method: 'GET',
      url: `/patina/v1/identities/${b.id}`,
      token: t.admin.token,
    });
    expect(fetched.json()).toEqual(linked.json());
    // Linking it again to the same account is no conflict with itself.
    expect((await t.patchIdentity(b.id, { ssoLink })).statusCode).toBe(200);

    const cleared = await t.patchIdentity(b.id, { ssoLink: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toEqual({ ...b, modified: '2026-01-15T10:01:00.000Z' });
    const audit = await t.auditEvents('IDENTITY_UPDATED');
    expect(audit.map((e) => JSON.parse(String(e.details)) as unknown)).toEqual([
      { changed: ['ssoLink'], ssoLink },
      { changed: ['ssoLink'], ssoLink },
      { changed: ['ssoLink'], ssoLink: null },
    ]);
  });

  it('refuses an account another identity is linked to, in any spelling of its issuer', async () => {
    const t = await startTestApp();
    const b = await bea(t);
    const ssoLink = { issuer: ISSUER, subject: 'same' };
    expect((await t.patchIdentity(t.admin.identity.id, { ssoLink })).statusCode).toBe(200);
    for (const issuer of [ISSUER, `${ISSUER}/`, 'HTTPS://LOGIN.example.com:443']) {
      await expectRefused(
        t,
        () => t.patchIdentity(b.id, { ssoLink: { issuer, subject: 'same' } }),
        [
          400,
          REFERENCE_CONFLICT,
          `That SSO account is already linked to identity '${t.admin.identity.id}'; remove that link first ('ssoLink': null)`,
        ],
      );
    }
    // The subject is case-sensitive: another account.
    const other = await t.patchIdentity(b.id, { ssoLink: { issuer: ISSUER, subject: 'SAME' } });
    expect(other.statusCode, other.body).toBe(200);
  });

  it.each([
    ['a string', 'x', [400, ILLEGAL, "'ssoLink' must be an object or null"]],
    ['no subject', { issuer: ISSUER }, [400, MISSING, "Required 'ssoLink.subject' is missing"]],
    ['no issuer', { subject: 's' }, [400, MISSING, "Required 'ssoLink.issuer' is missing"]],
    [
      'another member',
      { issuer: ISSUER, subject: 's', email: 'a@b.io' },
      [400, BAD_REQUEST, "Unknown field 'ssoLink.email': this resource has no such field"],
    ],
    [
      'an issuer that is no URL',
      { issuer: 'login.example.com', subject: 's' },
      [400, ILLEGAL, "'ssoLink.issuer' must be a valid uri"],
    ],
    [
      'an issuer with a query',
      { issuer: `${ISSUER}/?tenant=1`, subject: 's' },
      [400, ILLEGAL, ISSUER_TEXT],
    ],
    [
      'an issuer with a fragment',
      { issuer: `${ISSUER}/#x`, subject: 's' },
      [400, ILLEGAL, ISSUER_TEXT],
    ],
    [
      'an issuer that is not http(s)',
      { issuer: 'ftp://login.example.com', subject: 's' },
      [400, ILLEGAL, ISSUER_TEXT],
    ],
    [
      'an empty subject',
      { issuer: ISSUER, subject: '' },
      [400, ILLEGAL, "'ssoLink.subject' must NOT have fewer than 1 characters"],
    ],
    [
      'a subject past 255 characters',
      { issuer: ISSUER, subject: 'x'.repeat(256) },
      [400, ILLEGAL, "'ssoLink.subject' must NOT have more than 255 characters"],
    ],
    [
      'a subject with a control character',
      { issuer: ISSUER, subject: 'a\nb' },
      [
        400,
        ILLEGAL,
        "'ssoLink.subject' must be the person's 'sub' at the issuer: 1 to 255 characters, no control characters",
      ],
    ],
  ] as const)('refuses %s, naming the field, and changes nothing', async (_what, ssoLink, spec) => {
    const t = await startTestApp();
    const b = await bea(t);
    await expectRefused(t, () => t.patchIdentity(b.id, { ssoLink }), spec);
  });

  it('is for administrators only', async () => {
    const t = await startTestApp();
    const b = await t.user({ name: 'Bea', login: 'bea' });
    const response = await t.patchIdentity(
      b.identity.id,
      { ssoLink: { issuer: ISSUER, subject: 'bea' } },
      b.token,
    );
    expect(response.statusCode).toBe(403);
    expect((await t.storage.repos.identities.findById(b.identity.id))?.ssoLink).toBeUndefined();
  });
});
