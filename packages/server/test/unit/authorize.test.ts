import { RIGHTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { authorize, may, type Ability } from '../../src/access/authorize.js';
import { SYSTEM_CONTEXT, type RequestContext } from '../../src/access/context.js';
import type { Principal } from '../../src/access/principal.js';
import { PatinaError } from '../../src/core/errors.js';

function user(...rights: string[]): Principal {
  return {
    kind: 'user',
    identityId: '0123456789abcdef0123456789abcdef',
    identityName: 'Una',
    login: 'una',
    patId: 'fedcba9876543210fedcba9876543210',
    rights: new Set(rights),
  };
}

function contextOf(actor: Principal): RequestContext {
  return { actor, audit: SYSTEM_CONTEXT.audit };
}

describe('may', () => {
  // Which single right allows which ability: a manage right gives the read of the same reach,
  // an all- right the my- right of the same verb; managed-read is on its own.
  it.each<[string, Ability[]]>([
    [RIGHTS.myRead, ['readOwn']],
    [RIGHTS.myManage, ['readOwn', 'manageOwn']],
    [RIGHTS.allRead, ['readOwn', 'readAll']],
    [RIGHTS.allManage, ['readOwn', 'manageOwn', 'readAll', 'manageAll']],
    [RIGHTS.managedRead, ['seeManaged']],
    [RIGHTS.introspect, []],
    ['orders:read', []],
  ])('%s allows exactly %j', (right, allowed) => {
    const abilities: Ability[] = ['readOwn', 'manageOwn', 'readAll', 'manageAll', 'seeManaged'];
    expect(abilities.filter((ability) => may(user(right), ability))).toEqual(allowed);
  });

  it('lets the system actor do everything', () => {
    for (const ability of ['readOwn', 'manageOwn', 'readAll', 'manageAll', 'seeManaged'] as const) {
      expect(may(SYSTEM_CONTEXT.actor, ability)).toBe(true);
    }
  });
});

describe('authorize', () => {
  it('returns when the caller holds any right that allows the ability', () => {
    expect(() => authorize(contextOf(user(RIGHTS.allManage)), 'readAll', 'Reading')).not.toThrow();
  });

  it('throws FORBIDDEN naming the least right that would do, as the challenge scope too', () => {
    let error: unknown;
    try {
      authorize(contextOf(user(RIGHTS.myManage)), 'readAll', 'Listing signing keys');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatinaError);
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Listing signing keys needs the right sp:all-personal-access-tokens:read',
      requiredScope: 'sp:all-personal-access-tokens:read',
    });
  });
});
