import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import {
  retryAfterMs,
  retryDelayMs,
  RETRY_DELAYS_MS,
} from '../../src/notifications/retry-schedule.js';
import {
  newWebhookSecret,
  signedHeaders,
  webhookSecretBox,
} from '../../src/notifications/signer.js';
import {
  checkUrl,
  isPublicAddress,
  resolvePermitted,
  UrlRefused,
} from '../../src/notifications/ssrf-guard.js';

const STRICT = { allowHttp: false, allowPrivateNetworks: false };

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '192.0.2.10',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:830::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
  ])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

/**
 * IPv6 forms that carry or reach an IPv4 address, and the special ranges inside 2000::/3: each
 * refused as a URL literal and as an address a name resolves to. Public IPv4 inside a form other
 * than mapped or NAT64 is refused too (only global unicast IPv6 is allowed).
 */
const IPV6_REFUSED: [form: string, address: string][] = [
  ['IPv4-compatible ::/96 (metadata)', '::a9fe:a9fe'],
  ['IPv4-compatible ::/96, dotted', '::169.254.169.254'],
  ['IPv4-compatible ::/96 (loopback)', '::7f00:1'],
  ['IPv4-compatible ::/96 (public)', '::808:808'],
  ['IPv4-mapped ::ffff:0:0/96', '::ffff:a9fe:a9fe'],
  ['IPv4-mapped, full form', '0:0:0:0:0:ffff:169.254.169.254'],
  ['SIIT ::ffff:0:0:0/96', '::ffff:0:a9fe:a9fe'],
  ['SIIT ::ffff:0:0:0/96 (public)', '::ffff:0:808:808'],
  ['NAT64 64:ff9b::/96', '64:ff9b::a9fe:a9fe'],
  ['NAT64 64:ff9b::/96, dotted', '64:ff9b::127.0.0.1'],
  ['local-use NAT64 64:ff9b:1::/48', '64:ff9b:1::a9fe:a9fe'],
  ['local-use NAT64 64:ff9b:1::/48 (public)', '64:ff9b:1::808:808'],
  ['6to4 2002::/16', '2002:a9fe:a9fe::1'],
  ['6to4 2002::/16 (public)', '2002:808:808::1'],
  ['Teredo 2001::/32', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['Teredo 2001::/32 (metadata)', '2001::a9fe:a9fe'],
  ['ORCHIDv2 2001:20::/28', '2001:20::1'],
  ['documentation 2001:db8::/32', '2001:db8::1'],
  ['documentation 3fff::/20', '3fff::1'],
  ['SRv6 5f00::/16', '5f00::1'],
  ['discard 100::/64', '100::1'],
  ['site-local fec0::/10', 'fec0::1'],
  ['unique-local fc00::/7', 'fd00::a9fe:a9fe'],
];

describe('IPv6 forms that embed IPv4, and special ranges', () => {
  it.each(IPV6_REFUSED)('%s: %s is not public', (_form, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(IPV6_REFUSED)('%s: refused as a URL literal', (_form, address) => {
    const host = new URL(`https://[${address}]/`).hostname.slice(1, -1);
    expect(() => checkUrl(`https://[${address}]/hook`, STRICT)).toThrow(
      new UrlRefused(
        `'url' must reach a public address: ${host} is private, loopback or reserved (webhooks.allowPrivateNetworks)`,
      ),
    );
  });

  it.each(IPV6_REFUSED)('%s: refused as what a name resolves to', async (_form, address) => {
    const url = checkUrl('https://hooks.example.com/hook', STRICT);
    const resolve = () => Promise.resolve([{ address, family: 6 as const }]);
    await expect(resolvePermitted(url, STRICT, resolve)).rejects.toThrow(
      new UrlRefused(
        `'url' must reach a public address: ${address} is private, loopback or reserved (webhooks.allowPrivateNetworks)`,
      ),
    );
  });

  it('lets a NAT64 address of a public IPv4 host through, as DNS64 answers on IPv6-only networks', async () => {
    const url = checkUrl('https://hooks.example.com/hook', STRICT);
    const resolve = () => Promise.resolve([{ address: '64:ff9b::5db8:d822', family: 6 as const }]);
    await expect(resolvePermitted(url, STRICT, resolve)).resolves.toEqual([
      { address: '64:ff9b::5db8:d822', family: 6 },
    ]);
  });
});

describe('resolvePermitted', () => {
  it('checks every address a name resolves to, so one private address among public ones is refused', async () => {
    const resolve = vi.fn(() =>
      Promise.resolve([
        { address: '93.184.216.34', family: 4 as const },
        { address: '10.0.0.7', family: 4 as const },
      ]),
    );
    const url = checkUrl('https://hooks.example.com/x', STRICT);
    await expect(resolvePermitted(url, STRICT, resolve)).rejects.toThrow(
      new UrlRefused(
        "'url' must reach a public address: 10.0.0.7 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
      ),
    );
    expect(resolve).toHaveBeenCalledWith('hooks.example.com');
    await expect(
      resolvePermitted(url, { ...STRICT, allowPrivateNetworks: true }, resolve),
    ).resolves.toHaveLength(2);
  });

  it('refuses a name that does not resolve', async () => {
    const url = checkUrl('https://nowhere.example/x', STRICT);
    await expect(
      resolvePermitted(url, STRICT, () => Promise.reject(new Error('ENOTFOUND'))),
    ).rejects.toThrow("'url' host nowhere.example does not resolve");
  });
});

describe('Standard Webhooks signatures', () => {
  it('verify with the standardwebhooks package, with either secret during a rotation', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'ping', timestamp: '2026-01-15T10:00:00.000Z', data: {} });
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([b, a], { id: 'msg_1', timestampSeconds: now, body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toMatchObject({ type: 'ping' });
    expect(new Webhook(b).verify(body, headers)).toMatchObject({ type: 'ping' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(
      'No matching signature found',
    );
    expect(() => new Webhook(a).verify(body + ' ', headers)).toThrow('No matching signature found');
  });

  it('keep secrets sealed to their webhook: another row cannot open them', () => {
    const box = webhookSecretBox(Buffer.alloc(32, 7));
    const secret = newWebhookSecret();
    const sealed = box.seal(secret, 'a'.repeat(32));
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, 'a'.repeat(32))).toBe(secret);
    expect(() => box.open(sealed, 'b'.repeat(32))).toThrow();
    expect(() => webhookSecretBox(Buffer.alloc(32, 8)).open(sealed, 'a'.repeat(32))).toThrow();
  });
});

describe('the retry schedule', () => {
  it('waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, with ±10% jitter, then gives up', () => {
    const minutes = RETRY_DELAYS_MS.map((ms) => ms / 60_000);
    expect(minutes).toEqual([5 / 60, 5, 30, 120, 300, 600, 840, 1200, 1440]);
    expect(retryDelayMs(1, () => 0)).toBe(4500);
    expect(retryDelayMs(1, () => 0.999999)).toBe(5500);
    expect(retryDelayMs(9, () => 0.5)).toBe(24 * 60 * 60 * 1000);
    expect(retryDelayMs(10, () => 0.5)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date, capped at a day', () => {
    const now = new Date('2026-01-15T10:00:00.000Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 15 Jan 2026 11:00:00 GMT', now)).toBe(3_600_000);
    expect(retryAfterMs('999999', now)).toBe(24 * 60 * 60 * 1000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
