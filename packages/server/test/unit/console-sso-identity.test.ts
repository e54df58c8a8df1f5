import { describe, expect, it } from 'vitest';
import { personFromClaims } from '../../src/console/sso-identity.js';

const DEFAULTS = {
  identityClaims: ['email', 'preferred_username'],
  groupsClaim: 'groups',
  groupRoles: {},
};
const ISS = 'https://login.example.com';
const LINK = { issuer: 'https://login.example.com/', subject: 'x' };

describe('the person an SSO sign-in names', () => {
  it('is the account (iss, sub), with the verified email as the login a new identity would take', () => {
    expect(
      personFromClaims(
        {
          iss: ISS,
          sub: 'x',
          email: 'ada@example.com',
          email_verified: true,
          name: 'Ada',
          preferred_username: 'ada',
        },
        DEFAULTS,
      ),
    ).toEqual({
      link: LINK,
      login: 'ada@example.com',
      name: 'Ada',
      email: 'ada@example.com',
      roles: undefined,
    });
  });

  it('is nobody without a usable iss and sub, whatever else the claims say', () => {
    const claims = { email: 'ada@example.com', email_verified: true, preferred_username: 'ada' };
    expect(personFromClaims({ ...claims, sub: 'x' }, DEFAULTS)).toBeUndefined();
    expect(personFromClaims({ ...claims, iss: ISS }, DEFAULTS)).toBeUndefined();
    expect(personFromClaims({ ...claims, iss: ISS, sub: 42 }, DEFAULTS)).toBeUndefined();
    expect(personFromClaims({ ...claims, iss: 'not a url', sub: 'x' }, DEFAULTS)).toBeUndefined();
    expect(personFromClaims({ ...claims, iss: ISS, sub: '' }, DEFAULTS)).toBeUndefined();
    expect(
      personFromClaims({ ...claims, iss: ISS, sub: 'x'.repeat(256) }, DEFAULTS),
    ).toBeUndefined();
  });

  it('falls back to preferred_username for the login, and to the login for a name', () => {
    expect(personFromClaims({ iss: ISS, sub: 'x', preferred_username: 'ada' }, DEFAULTS)).toEqual({
      link: LINK,
      login: 'ada',
      name: 'ada',
      email: null,
      roles: undefined,
    });
  });

  it('takes an email only when email_verified is exactly true', () => {
    for (const email_verified of [false, undefined, 'true', 1, null]) {
      expect(
        personFromClaims(
          {
            iss: ISS,
            sub: 'x',
            email: 'ada@example.com',
            email_verified,
            preferred_username: 'ada',
          },
          DEFAULTS,
        ),
      ).toEqual({ link: LINK, login: 'ada', name: 'ada', email: null, roles: undefined });
      expect(
        personFromClaims(
          { iss: ISS, sub: 'x', email: 'ada@example.com', email_verified },
          DEFAULTS,
        ),
      ).toEqual({ link: LINK, login: undefined, name: '', email: null, roles: undefined });
    }
  });

  it('takes the claims in the configured order, skipping empty and non-string values', () => {
    const mapping = { ...DEFAULTS, identityClaims: ['upn', 'employee_id', 'email'] };
    expect(
      personFromClaims(
        {
          iss: ISS,
          sub: 'x',
          upn: '  ',
          employee_id: 42,
          email: 'ada@example.com',
          email_verified: true,
        },
        mapping,
      )?.login,
    ).toBe('ada@example.com');
  });

  it('maps groups to USER plus their roles when groupRoles is set, and leaves roles alone when not', () => {
    const mapping = { ...DEFAULTS, groupRoles: { admins: ['ORG_ADMIN'], audit: ['AUDITOR'] } };
    const person = { iss: ISS, sub: 'x', email: 'a@x.io' };
    expect(
      personFromClaims({ ...person, groups: ['audit', 'admins', 'other'] }, mapping)?.roles,
    ).toEqual(['AUDITOR', 'ORG_ADMIN', 'USER']);
    expect(personFromClaims({ ...person, groups: 'admins' }, mapping)?.roles).toEqual([
      'ORG_ADMIN',
      'USER',
    ]);
    expect(personFromClaims(person, mapping)?.roles).toEqual(['USER']);
    expect(personFromClaims({ ...person, groups: ['admins'] }, DEFAULTS)?.roles).toBeUndefined();
  });
});
