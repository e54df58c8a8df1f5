import { describe, expect, it } from 'vitest';
import { BUILT_IN_RIGHTS, canonicalScope, isIdShaped, RIGHTS } from '../src/index.js';

describe('canonicalScope', () => {
  it('reads SailPoint’s older idn: spelling as the sp: one', () => {
    expect(canonicalScope('idn:my-personal-access-tokens:read')).toBe(RIGHTS.myRead);
    expect(canonicalScope('idn:managed-personal-access-tokens:read')).toBe(RIGHTS.managedRead);
  });

  it('leaves every other scope as it is', () => {
    expect(canonicalScope(RIGHTS.allManage)).toBe(RIGHTS.allManage);
    expect(canonicalScope('orders:read')).toBe('orders:read');
    expect(canonicalScope('xidn:orders')).toBe('xidn:orders');
    expect(canonicalScope('IDN:orders')).toBe('IDN:orders');
  });

  it('is already the canonical form of every built-in right', () => {
    for (const right of BUILT_IN_RIGHTS) expect(canonicalScope(right)).toBe(right);
    expect(new Set(BUILT_IN_RIGHTS).size).toBe(BUILT_IN_RIGHTS.length);
  });
});

describe('isIdShaped', () => {
  it('accepts 32 lower-case hex characters', () => {
    expect(isIdShaped('0123456789abcdef0123456789abcdef')).toBe(true);
  });

  it.each([
    ['31 characters', '0123456789abcdef0123456789abcde'],
    ['33 characters', '0123456789abcdef0123456789abcdef0'],
    ['upper case', '0123456789ABCDEF0123456789ABCDEF'],
    ['a non-hex letter', '0123456789abcdef0123456789abcdeg'],
    ['a trailing newline', '0123456789abcdef0123456789abcdef\n'],
    ['a dashed UUID', '01234567-89ab-cdef-0123-456789abcdef'],
    ['the empty string', ''],
  ])('refuses %s', (_, value) => {
    expect(isIdShaped(value)).toBe(false);
  });
});
