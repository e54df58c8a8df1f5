import { ALL_SCOPES, BUILT_IN_RIGHTS, canonicalScope, RIGHTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { RightsModel } from '../../src/identities/rights.js';

const PAT_RIGHTS = [
  'sp:all-personal-access-tokens:manage',
  'sp:all-personal-access-tokens:read',
  'sp:managed-personal-access-tokens:read',
  'sp:my-personal-access-tokens:manage',
  'sp:my-personal-access-tokens:read',
];
/** Patina's own right beside SailPoint's: introspect any token (RFC 7662). */
const INTROSPECT = 'patina:tokens:introspect';
/** Shared Signals receivers: manage and read their streams. */
const SSF_RIGHTS = ['ssf.manage', 'ssf.read'];
/** The directory's SCIM token (docs/scim.md). */
const SCIM_PROVISION = 'patina:scim:provision';
const BUILT_IN = [SCIM_PROVISION, INTROSPECT, ...PAT_RIGHTS, ...SSF_RIGHTS];

function model() {
  return new RightsModel({
    scopes: [
      { name: 'orders:read', description: '' },
      { name: 'orders:write', description: '' },
      { name: 'idn:legacy:read', description: 'catalogued in the old spelling' },
    ],
    roles: {
      AUDITOR: ['idn:all-personal-access-tokens:read'],
      SHIPPER: ['orders:write', RIGHTS.myRead],
    },
  });
}

const sorted = (values: Iterable<string>) => [...values].sort();

describe('the rights of the PAT API', () => {
  it('are SailPoint’s five PAT rights in their sp: spelling, the introspection, SSF and SCIM rights', () => {
    expect(RIGHTS).toEqual({
      myRead: 'sp:my-personal-access-tokens:read',
      myManage: 'sp:my-personal-access-tokens:manage',
      allRead: 'sp:all-personal-access-tokens:read',
      allManage: 'sp:all-personal-access-tokens:manage',
      managedRead: 'sp:managed-personal-access-tokens:read',
      introspect: INTROSPECT,
      ssfManage: 'ssf.manage',
      ssfRead: 'ssf.read',
      scimProvision: SCIM_PROVISION,
    });
    expect(sorted(BUILT_IN_RIGHTS)).toEqual(BUILT_IN);
    expect(ALL_SCOPES).toBe('sp:scopes:all');
  });
});

describe('canonicalScope', () => {
  it('turns the idn: spelling into sp: and leaves everything else alone', () => {
    expect(canonicalScope('idn:managed-personal-access-tokens:read')).toBe(
      'sp:managed-personal-access-tokens:read',
    );
    expect(canonicalScope('sp:my-personal-access-tokens:read')).toBe(
      'sp:my-personal-access-tokens:read',
    );
    expect(canonicalScope('orders:read')).toBe('orders:read');
    expect(canonicalScope('xidn:orders')).toBe('xidn:orders');
    expect(canonicalScope('IDN:orders')).toBe('IDN:orders');
    expect(canonicalScope('idn:')).toBe('sp:');
  });
});

describe('RightsModel', () => {
  it('catalogues the built-in rights and the deployment’s scopes, canonically', () => {
    expect(sorted(model().catalogue)).toEqual(
      sorted([...BUILT_IN, 'orders:read', 'orders:write', 'sp:legacy:read']),
    );
  });

  it('knows the built-in roles and the configured ones', () => {
    const rights = model();
    expect(rights.roleNames).toEqual(['ORG_ADMIN', 'USER', 'AUDITOR', 'SHIPPER']);
    expect(rights.isKnownRole('ORG_ADMIN')).toBe(true);
    expect(rights.isKnownRole('AUDITOR')).toBe(true);
    expect(rights.isKnownRole('auditor')).toBe(false);
    expect(rights.isKnownRole('ROOT')).toBe(false);
  });

  it('gives ORG_ADMIN every catalogued right, the deployment’s scopes included', () => {
    const rights = model();
    expect(sorted(rights.rightsOf({ roles: ['ORG_ADMIN'], rights: [] }))).toEqual(
      sorted(rights.catalogue),
    );
  });

  it('gives USER the my- rights only', () => {
    expect(sorted(model().rightsOf({ roles: ['USER'], rights: [] }))).toEqual([
      'sp:my-personal-access-tokens:manage',
      'sp:my-personal-access-tokens:read',
    ]);
  });

  it('gives a configured role its rights, canonically', () => {
    const rights = model();
    expect(sorted(rights.rightsOf({ roles: ['AUDITOR'], rights: [] }))).toEqual([
      'sp:all-personal-access-tokens:read',
    ]);
    expect(sorted(rights.rightsOf({ roles: ['SHIPPER'], rights: [] }))).toEqual([
      'orders:write',
      'sp:my-personal-access-tokens:read',
    ]);
  });

  it('adds direct grants, canonically, to the rights of every role held', () => {
    expect(
      sorted(
        model().rightsOf({
          roles: ['USER', 'AUDITOR'],
          rights: ['idn:managed-personal-access-tokens:read', 'orders:read'],
        }),
      ),
    ).toEqual([
      'orders:read',
      'sp:all-personal-access-tokens:read',
      'sp:managed-personal-access-tokens:read',
      'sp:my-personal-access-tokens:manage',
      'sp:my-personal-access-tokens:read',
    ]);
  });

  it('gives nothing for an unknown role or no roles', () => {
    const rights = model();
    expect(sorted(rights.rightsOf({ roles: ['ROOT'], rights: [] }))).toEqual([]);
    expect(sorted(rights.rightsOf({ roles: [], rights: [] }))).toEqual([]);
  });
});

describe('RightsModel.isGrantableScope', () => {
  it('allows catalogued scopes in either spelling and sp:scopes:all', () => {
    const rights = model();
    for (const scope of [
      'sp:scopes:all',
      'sp:my-personal-access-tokens:read',
      'idn:my-personal-access-tokens:read',
      'idn:managed-personal-access-tokens:read',
      'sp:managed-personal-access-tokens:read',
      'orders:read',
      'sp:legacy:read',
      'idn:legacy:read',
    ]) {
      expect(rights.isGrantableScope(scope), scope).toBe(true);
    }
  });

  it('refuses scopes that are not catalogued', () => {
    const rights = model();
    for (const scope of ['orders:delete', 'sp:scopes', 'ORDERS:READ', '', 'sp:scopes:all ']) {
      expect(rights.isGrantableScope(scope), scope).toBe(false);
    }
  });
});

describe('RightsModel.grantable', () => {
  const owner = new Set(['orders:read', RIGHTS.myRead, RIGHTS.myManage]);

  it('expands sp:scopes:all to every right the owner holds, sorted', () => {
    expect(model().grantable([ALL_SCOPES], owner)).toEqual([
      'orders:read',
      'sp:my-personal-access-tokens:manage',
      'sp:my-personal-access-tokens:read',
    ]);
    expect(model().grantable(['orders:write', ALL_SCOPES], owner)).toEqual([
      'orders:read',
      'sp:my-personal-access-tokens:manage',
      'sp:my-personal-access-tokens:read',
    ]);
  });

  it('grants the intersection of an explicit list with the owner’s rights, canonical', () => {
    expect(
      model().grantable(
        ['orders:write', 'idn:my-personal-access-tokens:read', 'orders:read', RIGHTS.allRead],
        owner,
      ),
    ).toEqual(['orders:read', 'sp:my-personal-access-tokens:read']);
  });

  it('names each granted scope once, whatever the spelling', () => {
    expect(
      model().grantable(
        ['idn:my-personal-access-tokens:read', 'sp:my-personal-access-tokens:read'],
        owner,
      ),
    ).toEqual(['sp:my-personal-access-tokens:read']);
  });

  it('grants nothing for an empty list or an owner with no rights', () => {
    expect(model().grantable([], owner)).toEqual([]);
    expect(model().grantable([ALL_SCOPES], new Set())).toEqual([]);
    expect(model().grantable(['orders:read'], new Set())).toEqual([]);
  });
});
