import { describe, expect, it } from 'vitest';
import { personFromClaims } from '../../src/console/sso-identity.js';

const DEFAULTS = {
  identityClaims: ['email', 'preferred_username'],
  groupsClaim: 'groups',
  groupRoles: {},
};

describe('the person an SSO sign-in names', () => {
  it('is the email by default, with the name and the email', () => {
    expect(
      personFromClaims(
        {
          sub: 'x',
          email: 'ada@example.com',
          email_verified: true,
          name: 'Ada',
          preferred_username: 'ada',
        },
        DEFAULTS,
      ),
    ).toEqual({
      login: 'ada@example.com',
      name: 'Ada',
      email: 'ada@example.com',
      roles: undefined,
    });
  });

  it('falls back to preferred_username, and to the login for a name', () => {
    expect(personFromClaims({ sub: 'x', preferred_username: 'ada' }, DEFAULTS)).toEqual({
      login: 'ada',
      name: 'ada',
      email: null,
      roles: undefined,
    });
  });

  it('skips an email the provider says is not verified', () => {
    expect(
      personFromClaims(
        { sub: 'x', email: 'ada@example.com', email_verified: false, preferred_username: 'ada' },
        DEFAULTS,
      ),
    ).toEqual({ login: 'ada', name: 'ada', email: null, roles: undefined });
    expect(
      personFromClaims({ sub: 'x', email: 'ada@example.com', email_verified: false }, DEFAULTS),
    ).toBeUndefined();
  });

  it('takes the claims in the configured order, skipping empty and non-string values', () => {
    const mapping = { ...DEFAULTS, identityClaims: ['upn', 'employee_id', 'email'] };
    expect(
      personFromClaims({ sub: 'x', upn: '  ', employee_id: 42, email: 'ada@example.com' }, mapping)
        ?.login,
    ).toBe('ada@example.com');
  });

  it('maps groups to USER plus their roles when groupRoles is set, and leaves roles alone when not', () => {
    const mapping = { ...DEFAULTS, groupRoles: { admins: ['ORG_ADMIN'], audit: ['AUDITOR'] } };
    expect(
      personFromClaims({ sub: 'x', email: 'a@x.io', groups: ['audit', 'admins', 'other'] }, mapping)
        ?.roles,
    ).toEqual(['AUDITOR', 'ORG_ADMIN', 'USER']);
    expect(
      personFromClaims({ sub: 'x', email: 'a@x.io', groups: 'admins' }, mapping)?.roles,
    ).toEqual(['ORG_ADMIN', 'USER']);
    expect(personFromClaims({ sub: 'x', email: 'a@x.io' }, mapping)?.roles).toEqual(['USER']);
    expect(
      personFromClaims({ sub: 'x', email: 'a@x.io', groups: ['admins'] }, DEFAULTS)?.roles,
    ).toBeUndefined();
  });
});
