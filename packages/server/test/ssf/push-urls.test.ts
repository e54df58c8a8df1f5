import { describe, expect, it } from 'vitest';
import type { ResolvedAddress } from '../../src/notifications/ssrf-guard.js';
import { expectSailPointError, startTestApp, type TestApp, type TestUser } from '../helpers.js';

const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';
const ILLEGAL = '400.1.3 Illegal value';

/** Names as the tests' DNS answers them; any other name does not resolve. */
const NAMES: Record<string, string[]> = {
  'receiver.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['93.184.216.34', '10.0.0.7'],
  'mapped.example': ['::ffff:a9fe:a9fe'],
  'compat.example': ['::a9fe:a9fe'],
};

function resolve(hostname: string): Promise<ResolvedAddress[]> {
  const addresses = NAMES[hostname];
  if (!addresses) return Promise.reject(new Error('ENOTFOUND'));
  return Promise.resolve(
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );
}

function refusal(address: string): string {
  return `'delivery.endpoint_url' must reach a public address: ${address} is private, loopback or reserved (webhooks.allowPrivateNetworks)`;
}

async function receiverOf(t: TestApp): Promise<TestUser> {
  return t.user({ name: 'Orders API', login: 'orders', rights: ['ssf.manage'] });
}

function createPush(t: TestApp, user: TestUser, endpointUrl: string) {
  return t.request({
    method: 'POST',
    url: '/ssf/streams',
    token: user.token,
    json: { delivery: { method: PUSH, endpoint_url: endpointUrl } },
  });
}

const REFUSED = [
  {
    why: 'a name that resolves to the metadata address',
    url: 'https://metadata.example/events',
    text: refusal('169.254.169.254'),
  },
  {
    why: 'a name with one private address among public ones',
    url: 'https://mixed.example/events',
    text: refusal('10.0.0.7'),
  },
  {
    why: 'a name that resolves to IPv4-mapped metadata',
    url: 'https://mapped.example/events',
    text: refusal('::ffff:a9fe:a9fe'),
  },
  {
    why: 'a name that resolves to IPv4-compatible metadata',
    url: 'https://compat.example/events',
    text: refusal('::a9fe:a9fe'),
  },
  {
    why: 'a name that does not resolve',
    url: 'https://nowhere.example/events',
    text: "'delivery.endpoint_url' host nowhere.example does not resolve",
  },
  {
    why: 'an IPv4-compatible IPv6 literal',
    url: 'https://[::a9fe:a9fe]/events',
    text: refusal('::a9fe:a9fe'),
  },
  {
    why: 'a SIIT IPv6 literal',
    url: 'https://[::ffff:0:a9fe:a9fe]/events',
    text: refusal('::ffff:0:a9fe:a9fe'),
  },
  {
    why: 'a local-use NAT64 literal',
    url: 'https://[64:ff9b:1::a9fe:a9fe]/events',
    text: refusal('64:ff9b:1::a9fe:a9fe'),
  },
];

describe('Push endpoint URLs are resolved at registration, as webhook URLs are', () => {
  it.each(REFUSED)(
    'creating a stream refuses $why with a 400, and makes none',
    async ({ url, text }) => {
      const t = await startTestApp({ resolve });
      const user = await receiverOf(t);
      expectSailPointError(await createPush(t, user, url), 400, ILLEGAL, text);
      const list = await t.request({ method: 'GET', url: '/ssf/streams', token: user.token });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual([]);
      expect(await t.storage.db.selectFrom('ssf_streams').selectAll().execute()).toEqual([]);
    },
  );

  it('changing a stream to push (PATCH and PUT) refuses such a URL and leaves the stream as it was', async () => {
    const t = await startTestApp({ resolve });
    const user = await receiverOf(t);
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: user.token,
      json: { delivery: { method: POLL }, description: 'orders' },
    });
    expect(created.statusCode).toBe(201);
    const before = created.json<{ stream_id: string }>();
    for (const method of ['PATCH', 'PUT'] as const) {
      const changed = await t.request({
        method,
        url: '/ssf/streams',
        token: user.token,
        json: {
          stream_id: before.stream_id,
          delivery: { method: PUSH, endpoint_url: 'https://metadata.example/events' },
        },
      });
      expectSailPointError(changed, 400, ILLEGAL, refusal('169.254.169.254'));
    }
    const after = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${before.stream_id}`,
      token: user.token,
    });
    expect(after.json()).toEqual(before);
  });

  it('accepts a name whose every address is public', async () => {
    const t = await startTestApp({ resolve });
    const user = await receiverOf(t);
    const created = await createPush(t, user, 'https://receiver.example/events');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      delivery: { method: PUSH, endpoint_url: 'https://receiver.example/events' },
    });
  });
});
