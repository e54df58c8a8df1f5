import { describe, expect, it } from 'vitest';
import {
  addressKey,
  canonicalAddress,
  CidrSet,
  MEMO_MAX,
  parseCidr,
  rememberedAddresses,
} from '../../src/core/cidr.js';

describe('parseCidr', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['198.51.100.4', '198.51.100.4/32'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['::1', '::1/128'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    // IPv4-mapped IPv6 (RFC 4291 §2.5.5.2) is the IPv4 range it maps, as client addresses are.
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::FFFF:a00:0/104', '10.0.0.0/8'],
    ['::ffff:198.51.100.4', '198.51.100.4/32'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
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

describe('CidrSet with an IPv4-mapped entry', () => {
  it('matches the IPv4 addresses it maps, in either form', () => {
    const set = CidrSet.parse(['::ffff:10.0.0.0/104'], (i) => `[${i}]`);
    expect(set.contains('10.200.1.2')).toBe(true);
    expect(set.contains('::ffff:10.200.1.2')).toBe(true);
    expect(set.contains('11.0.0.1')).toBe(false);
  });
});

describe('canonicalAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    // What inet_aton (and the SSRF guard) reads these as, never another address or a new key.
    ['0x7f.0.0.2', '127.0.0.2'],
    ['127.2', '127.0.0.2'],
    ['0177.0.0.1', '127.0.0.1'],
    ['2130706434', '127.0.0.2'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['::ffff:7f00:2', '127.0.0.2'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('reads %s as %s', (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it.each([
    '',
    'unknown',
    'example.com',
    '08.0.0.1',
    '1.2.3.4:80',
    '[::1]',
    ' 1.2.3.4',
    '1.2.3.4.5',
  ])('finds no address in %j', (text) => {
    expect(canonicalAddress(text)).toBeUndefined();
  });
});

describe('addressKey', () => {
  it('keys IPv4 by the address and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::1')).toBe('::/64');
  });

  it('keys IPv4-mapped IPv6 and the other spellings of an IPv4 address as that address', () => {
    for (const text of ['::ffff:203.0.113.7', '0xcb.0x00.0x71.7', '203.28935']) {
      expect(addressKey(text)).toBe('203.0.113.7');
    }
  });

  it('keys what is not an address as unknown', () => {
    expect(addressKey(null)).toBe('unknown');
    expect(addressKey(undefined)).toBe('unknown');
    expect(addressKey('not an address')).toBe('unknown');
  });
});

describe('the memo of address answers', () => {
  it('answers a remembered address as a fresh parse would, and stays bounded under a flood', () => {
    const texts = [
      '127.0.0.1',
      '0x7f.0.0.2',
      '::ffff:127.0.0.2',
      '2001:db8:1:2::1',
      'fe80::1%eth0',
    ];
    const first = texts.map((text) => [canonicalAddress(text), addressKey(text)]);
    for (let i = 0; i < 3 * MEMO_MAX; i++) {
      const text = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expect(canonicalAddress(text)).toBe(text);
      expect(addressKey(text)).toBe(text);
    }
    expect(rememberedAddresses()).toBeLessThanOrEqual(2 * MEMO_MAX);
    expect(texts.map((text) => [canonicalAddress(text), addressKey(text)])).toEqual(first);
    expect(first).toEqual([
      ['127.0.0.1', '127.0.0.1'],
      ['127.0.0.2', '127.0.0.2'],
      ['127.0.0.2', '127.0.0.2'],
      ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
      ['fe80::1', 'fe80::/64'],
    ]);
    expect([canonicalAddress('nope'), addressKey('nope')]).toEqual([undefined, 'unknown']);
  });
});
