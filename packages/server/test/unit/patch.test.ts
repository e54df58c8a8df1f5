import { describe, expect, it } from 'vitest';
import { PatinaError } from '../../src/core/errors.js';
import { applyPatPatch, type PatchableView } from '../../src/pats/patch.js';

const DATE = '2026-03-01T00:00:00.000Z';

function view(overrides: Partial<PatchableView> = {}): PatchableView {
  return {
    name: 'ci',
    scope: ['orders:read', 'orders:write'],
    expirationDate: DATE,
    userAwareTokenNeverExpires: false,
    ...overrides,
  };
}

function refusal(current: PatchableView, operations: unknown) {
  try {
    applyPatPatch(current, operations);
  } catch (error) {
    if (error instanceof PatinaError) {
      return { code: error.code, field: error.field, message: error.message };
    }
    throw error;
  }
  throw new Error('the patch was applied');
}

const PATCHABLE = '/name, /scope, /expirationDate, /userAwareTokenNeverExpires';
const notPatchable = (index: number, path: string, member = 'path') => ({
  code: 'BAD_REQUEST',
  field: `[${index}].${member}`,
  message: `Patch operation ${index} may not touch '${path}'; patchable: ${PATCHABLE}`,
});
const cannotApply = (index: number) => ({
  code: 'BAD_REQUEST',
  field: `[${index}].path`,
  message: `Patch operation ${index} failed: the path cannot be applied to this token`,
});

describe('applyPatPatch: the operations', () => {
  it('replaces and adds the name', () => {
    expect(applyPatPatch(view(), [{ op: 'replace', path: '/name', value: 'deploy' }])).toEqual(
      view({ name: 'deploy' }),
    );
    expect(applyPatPatch(view(), [{ op: 'add', path: '/name', value: 'deploy' }])).toEqual(
      view({ name: 'deploy' }),
    );
  });

  it('adds, inserts, replaces and removes scope entries', () => {
    const patch = (operations: unknown) => applyPatPatch(view(), operations).scope;
    expect(patch([{ op: 'add', path: '/scope/-', value: 'x:y' }])).toEqual([
      'orders:read',
      'orders:write',
      'x:y',
    ]);
    expect(patch([{ op: 'add', path: '/scope/0', value: 'x:y' }])).toEqual([
      'x:y',
      'orders:read',
      'orders:write',
    ]);
    expect(patch([{ op: 'replace', path: '/scope/1', value: 'x:y' }])).toEqual([
      'orders:read',
      'x:y',
    ]);
    expect(patch([{ op: 'remove', path: '/scope/0' }])).toEqual(['orders:write']);
    expect(patch([{ op: 'replace', path: '/scope', value: ['a:b'] }])).toEqual(['a:b']);
    expect(patch([{ op: 'replace', path: '/scope', value: null }])).toBeNull();
    expect(patch([{ op: 'remove', path: '/scope' }])).toBeNull();
  });

  it('changes the expiry fields', () => {
    expect(
      applyPatPatch(view(), [
        { op: 'replace', path: '/expirationDate', value: '2026-04-01T12:30:00Z' },
      ]),
    ).toEqual(view({ expirationDate: '2026-04-01T12:30:00Z' }));
    expect(
      applyPatPatch(view(), [
        { op: 'remove', path: '/expirationDate' },
        { op: 'replace', path: '/userAwareTokenNeverExpires', value: true },
      ]),
    ).toEqual(view({ expirationDate: null, userAwareTokenNeverExpires: true }));
    expect(applyPatPatch(view(), [{ op: 'remove', path: '/userAwareTokenNeverExpires' }])).toEqual(
      view({ userAwareTokenNeverExpires: false }),
    );
  });

  it('moves and copies between patchable members', () => {
    expect(applyPatPatch(view(), [{ op: 'copy', from: '/scope/0', path: '/name' }])).toEqual(
      view({ name: 'orders:read' }),
    );
    expect(applyPatPatch(view(), [{ op: 'move', from: '/scope/1', path: '/scope/0' }])).toEqual(
      view({ scope: ['orders:write', 'orders:read'] }),
    );
  });

  it('applies a passing test operation and refuses the patch on a failing one', () => {
    expect(
      applyPatPatch(view(), [
        { op: 'test', path: '/name', value: 'ci' },
        { op: 'replace', path: '/name', value: 'deploy' },
      ]),
    ).toEqual(view({ name: 'deploy' }));
    expect(
      refusal(view(), [
        { op: 'replace', path: '/name', value: 'deploy' },
        { op: 'test', path: '/name', value: 'ci' },
      ]),
    ).toEqual({
      code: 'BAD_REQUEST',
      field: '[1].path',
      message: 'Patch operation 1 failed: the test operation failed',
    });
  });

  it('applies operations in order', () => {
    expect(
      applyPatPatch(view(), [
        { op: 'replace', path: '/name', value: 'one' },
        { op: 'replace', path: '/name', value: 'two' },
        { op: 'remove', path: '/scope/0' },
        { op: 'remove', path: '/scope/0' },
      ]),
    ).toEqual(view({ name: 'two', scope: [] }));
  });
});

describe('applyPatPatch: refused paths', () => {
  for (const path of [
    '/id',
    '/secret',
    '/owner',
    '/owner/id',
    '/created',
    '/lastUsed',
    '/managed',
    '/accessTokenValiditySeconds',
    '/__proto__',
    '/name/0',
    '/scope/0/x',
    '/scope/abc',
    '/scope/-1',
    '/expirationDate/x',
    '/',
    '',
    'name',
    '/Name',
  ]) {
    it(`refuses '${path}'`, () => {
      expect(refusal(view(), [{ op: 'replace', path, value: 'x' }])).toEqual(notPatchable(0, path));
    });
  }

  it('refuses a refused path in a later operation, naming its index', () => {
    expect(
      refusal(view(), [
        { op: 'replace', path: '/name', value: 'x' },
        { op: 'remove', path: '/owner' },
      ]),
    ).toEqual(notPatchable(1, '/owner'));
  });

  it('refuses moving or copying from a member that is not patchable', () => {
    expect(refusal(view(), [{ op: 'copy', from: '/id', path: '/name' }])).toEqual(
      notPatchable(0, '/id', 'from'),
    );
    expect(refusal(view(), [{ op: 'move', from: '/owner/name', path: '/name' }])).toEqual(
      notPatchable(0, '/owner/name', 'from'),
    );
  });

  it('refuses paths that do not resolve in this token', () => {
    expect(refusal(view(), [{ op: 'remove', path: '/scope/5' }])).toEqual(cannotApply(0));
    expect(refusal(view(), [{ op: 'add', path: '/scope/5', value: 'x' }])).toEqual(cannotApply(0));
    expect(refusal(view(), [{ op: 'replace', path: '/scope/-', value: 'x' }])).toEqual(
      cannotApply(0),
    );
    expect(refusal(view({ scope: null }), [{ op: 'add', path: '/scope/-', value: 'x' }])).toEqual(
      cannotApply(0),
    );
  });

  it('names the later operation whose path does not resolve', () => {
    expect(
      refusal(view(), [
        { op: 'replace', path: '/name', value: 'x' },
        { op: 'remove', path: '/scope/9' },
      ]),
    ).toEqual(cannotApply(1));
    expect(
      refusal(view(), [
        { op: 'remove', path: '/scope' },
        { op: 'replace', path: '/scope/0', value: 'x' },
      ]),
    ).toEqual(cannotApply(1));
  });
});

describe('applyPatPatch: malformed patches', () => {
  it('refuses a body that is not an array, and an empty array', () => {
    for (const body of [{ op: 'replace', path: '/name', value: 'x' }, 'x', null, 1]) {
      expect(refusal(view(), body)).toEqual({
        code: 'BAD_REQUEST',
        field: 'body',
        message: 'The request body must be a JSON Patch array (RFC 6902)',
      });
    }
    expect(refusal(view(), [])).toEqual({
      code: 'REQUIRED_MISSING',
      field: 'body',
      message: "'body' is required and must not be empty",
    });
  });

  it('refuses an operation that is not an object', () => {
    for (const op of ['replace', null, [], 3]) {
      expect(refusal(view(), [op])).toEqual({
        code: 'BAD_REQUEST',
        field: '[0]',
        message: 'Patch operation 0 must be an object',
      });
    }
  });

  it('refuses an unknown member and an unknown op', () => {
    expect(refusal(view(), [{ op: 'replace', path: '/name', value: 'x', extra: 1 }])).toEqual({
      code: 'BAD_REQUEST',
      field: '[0].extra',
      message: "Patch operation 0 has an unknown member 'extra'",
    });
    for (const op of ['merge', 'REPLACE', undefined, 1]) {
      expect(refusal(view(), [{ op, path: '/name', value: 'x' }])).toEqual({
        code: 'BAD_REQUEST',
        field: '[0].op',
        message:
          "Patch operation 0 has an invalid 'op'; expected one of add, remove, replace, move, copy, test",
      });
    }
  });

  it('requires path, from and value where the op needs them', () => {
    const missing = (field: string) => ({
      code: 'REQUIRED_MISSING',
      field,
      message: `'${field}' is required and must not be empty`,
    });
    expect(refusal(view(), [{ op: 'remove' }])).toEqual(missing('[0].path'));
    expect(refusal(view(), [{ op: 'replace', path: 7, value: 'x' }])).toEqual(missing('[0].path'));
    expect(refusal(view(), [{ op: 'move', path: '/name' }])).toEqual(missing('[0].from'));
    expect(refusal(view(), [{ op: 'copy', path: '/name' }])).toEqual(missing('[0].from'));
    for (const op of ['add', 'replace', 'test']) {
      expect(refusal(view(), [{ op, path: '/name' }])).toEqual(missing('[0].value'));
    }
  });
});

describe('applyPatPatch: atomicity', () => {
  it('leaves the input untouched when a later operation fails', () => {
    const current = view();
    const before = structuredClone(current);
    expect(
      refusal(current, [
        { op: 'replace', path: '/name', value: 'changed' },
        { op: 'remove', path: '/scope/0' },
        { op: 'add', path: '/scope/-', value: 'x:y' },
        { op: 'remove', path: '/scope/9' },
      ]),
    ).toEqual(cannotApply(3));
    expect(current).toEqual(before);
  });

  it('leaves the input untouched when the result fails its type checks', () => {
    const current = view();
    const before = structuredClone(current);
    refusal(current, [
      { op: 'add', path: '/scope/-', value: 'x:y' },
      { op: 'replace', path: '/name', value: 5 },
    ]);
    expect(current).toEqual(before);
  });

  it('returns a new object and leaves the input untouched on success', () => {
    const current = view();
    const before = structuredClone(current);
    const result = applyPatPatch(current, [{ op: 'add', path: '/scope/-', value: 'x:y' }]);
    expect(result).not.toBe(current);
    expect(result.scope).not.toBe(current.scope);
    expect(current).toEqual(before);
  });
});

describe('applyPatPatch: the result is type-checked', () => {
  const illegal = (field: string, message: string) => ({ code: 'ILLEGAL_VALUE', field, message });

  it('requires a string name', () => {
    expect(refusal(view(), [{ op: 'remove', path: '/name' }])).toEqual({
      code: 'REQUIRED_MISSING',
      field: 'name',
      message: "'name' is required and must not be empty",
    });
    expect(refusal(view(), [{ op: 'replace', path: '/name', value: null }])).toEqual({
      code: 'REQUIRED_MISSING',
      field: 'name',
      message: "'name' is required and must not be empty",
    });
    for (const value of [5, true, ['ci'], { name: 'ci' }]) {
      expect(refusal(view(), [{ op: 'replace', path: '/name', value }])).toEqual(
        illegal('name', "'name' must be a string"),
      );
    }
  });

  it('requires scope to be an array of strings or null', () => {
    const scopeError = illegal('scope', "'scope' must be an array of strings or null");
    for (const value of ['orders:read', 5, {}, [1], ['a', null]]) {
      expect(refusal(view(), [{ op: 'replace', path: '/scope', value }])).toEqual(scopeError);
    }
    expect(refusal(view(), [{ op: 'add', path: '/scope/-', value: 42 }])).toEqual(scopeError);
  });

  it('requires expirationDate to be an RFC 3339 date-time or null', () => {
    for (const value of ['2026-03-01', 'tomorrow', 5, true, '2026-03-01 00:00:00Z']) {
      expect(refusal(view(), [{ op: 'replace', path: '/expirationDate', value }])).toEqual(
        illegal('expirationDate', "'expirationDate' must be an RFC 3339 date-time or null"),
      );
    }
    expect(
      applyPatPatch(view(), [
        { op: 'replace', path: '/expirationDate', value: '2026-03-01T01:00:00.5+01:00' },
      ]).expirationDate,
    ).toBe('2026-03-01T01:00:00.5+01:00');
  });

  it('requires userAwareTokenNeverExpires to be a boolean', () => {
    for (const value of ['true', 1, []]) {
      expect(
        refusal(view(), [{ op: 'replace', path: '/userAwareTokenNeverExpires', value }]),
      ).toEqual(
        illegal('userAwareTokenNeverExpires', "'userAwareTokenNeverExpires' must be a boolean"),
      );
    }
  });
});
