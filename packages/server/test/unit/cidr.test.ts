import { describe, expect, it } from 'vitest';
import { CidrSet, parseCidr } from '../../src/core/cidr.js';

describe('parseCidr', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['198.51.100.4', '198.51.100.4/32'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['::1', '::1/128'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ])('reads %s as %s', (text, canonical) => {
    const parsed = parseCidr(text);
    expect(parsed.ok && parsed.range.text).toBe(canonical);
  });

  it.each([
    '127.1',
    '0x7f.0.0.1',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '10.0.0.0/',
    'fe80::1%eth0',
    'example.com',
    '',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason: 'syntax' });
  });

  it('refuses bits after the prefix, saying which network was meant', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({
      ok: false,
      reason: 'host-bits',
      network: '10.0.0.0/8',
    });
    expect(parseCidr('2001:db8::1/32')).toEqual({
      ok: false,
      reason: 'host-bits',
      network: '2001:db8::/32',
    });
  });
});

describe('CidrSet', () => {
  const set = CidrSet.parse(['203.0.113.0/24', '2001:db8::/32'], (i) => `[${i}]`);

  it('matches addresses inside, IPv4-mapped IPv6 as IPv4, and nothing across families', () => {
    expect(set.contains('203.0.113.255')).toBe(true);
    expect(set.contains('::ffff:203.0.113.9')).toBe(true);
    expect(set.contains('2001:db8:ffff::1')).toBe(true);
    expect(set.contains('203.0.114.0')).toBe(false);
    expect(set.contains('2001:db9::1')).toBe(false);
    expect(set.contains('not an address')).toBe(false);
  });
});
