import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may point. Patina POSTs to URLs an administrator types in; without a guard, a
 * URL could make Patina reach its own database, a cloud metadata service (169.254.169.254) or
 * anything else on the private network (server-side request forgery). So by default a URL must
 * be https and every address its host resolves to must be public; the check runs when the URL is
 * saved and again on every request, on the very addresses the connection then uses (a name that
 * resolved to a public address yesterday may resolve to 10.0.0.1 today).
 */
export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  /** How refusals name the URL and its settings: `'url'` and `webhooks.*` unless told. */
  naming?: { field: string; settings: string; example: string };
}

const WEBHOOK_NAMING = {
  field: 'url',
  settings: 'webhooks',
  example: 'https://hooks.example.com/patina',
};

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the resolver is injectable for tests). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A URL the policy refuses; the message says why, for the 400 or the delivery's error. */
export class UrlRefused extends Error {
  override readonly name = 'UrlRefused';
}

/**
 * IPv4 addresses that are not public (IANA special-purpose registry, RFC 6890 and its updates):
 * "this network", private (RFC 1918), shared (RFC 6598), loopback, link-local, documentation,
 * benchmarking, 6to4 relay anycast, multicast, reserved.
 */
const NOT_PUBLIC_V4 = blockList('ipv4', [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
]);

/**
 * IPv6 is judged by an allowlist, not a blocklist: only global unicast (2000::/3, RFC 4291 §2.4)
 * can be public. Every form outside it is refused without working out what it may carry:
 * unspecified, loopback, IPv4-compatible ::/96, SIIT ::ffff:0:0:0/96 (RFC 6145), local-use NAT64
 * 64:ff9b:1::/48 (RFC 8215), discard 100::/64, unique-local, link-local, site-local, multicast,
 * and whatever is assigned there later.
 */
const GLOBAL_UNICAST_V6 = blockList('ipv6', [['2000::', 3]]);

/**
 * The special-purpose ranges inside 2000::/3, refused: IETF protocol assignments 2001::/23
 * (Teredo 2001::/32, which tunnels to an IPv4 address, benchmarking, ORCHID), documentation
 * 2001:db8::/32 and 3fff::/20 (RFC 9637), 6to4 2002::/16 (deprecated by RFC 7526; it too tunnels
 * to an IPv4 address of the sender's choosing) and SRv6 SIDs 5f00::/16 (RFC 9602).
 */
const SPECIAL_V6 = blockList('ipv6', [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
]);

/**
 * The two IPv6 forms outside 2000::/3 that a resolver really answers with for an IPv4 host, each
 * judged as the IPv4 address in its last 32 bits: IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2,
 * how dual-stack sockets show IPv4) and the well-known NAT64 prefix 64:ff9b::/96 (RFC 6052, what
 * DNS64 answers on IPv6-only networks).
 */
const CARRIES_V4: readonly [ipaddr.IPv6, number][] = [
  [ipaddr.IPv6.parse('::ffff:0:0'), 96],
  [ipaddr.IPv6.parse('64:ff9b::'), 96],
];

function blockList(type: 'ipv4' | 'ipv6', subnets: readonly [string, number][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets) list.addSubnet(network, prefix, type);
  return list;
}

/** The IPv4 address a mapped or NAT64 IPv6 address carries, if it is one. */
function embeddedIpv4(address: string): string | undefined {
  const parsed = ipaddr.IPv6.parse(address);
  if (!CARRIES_V4.some(([network, prefix]) => parsed.match(network, prefix))) return undefined;
  return parsed.toByteArray().slice(12).join('.');
}

/** Whether `address` (an IP literal) is a public, routable unicast address. */
export function isPublicAddress(address: string): boolean {
  const unbracketed = address.replace(/^\[|\]$/g, '');
  const family = isIP(unbracketed);
  if (family === 4) return !NOT_PUBLIC_V4.check(unbracketed, 'ipv4');
  if (family !== 6) return false;
  const inner = embeddedIpv4(unbracketed);
  if (inner !== undefined) return !NOT_PUBLIC_V4.check(inner, 'ipv4');
  return GLOBAL_UNICAST_V6.check(unbracketed, 'ipv6') && !SPECIAL_V6.check(unbracketed, 'ipv6');
}

/**
 * The URL as Patina will call it, or UrlRefused: absolute http(s), https unless http is allowed,
 * no user name or password (a credential would be shown to every reader of the webhook; receivers
 * authenticate Patina by the signature), and a literal IP address only if it is allowed.
 */
export function checkUrl(raw: string, policy: UrlPolicy): URL {
  const { field, settings, example } = policy.naming ?? WEBHOOK_NAMING;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused(`'${field}' must be an absolute URL such as ${example}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UrlRefused(`'${field}' must be an https URL`);
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new UrlRefused(
      `'${field}' must be https: this deployment does not allow plain http (${settings}.allowHttp)`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UrlRefused(
      `'${field}' must not carry a user name or password` +
        (policy.naming ? '' : ': receivers verify Patina by its signature'),
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) checkAddress(host, policy);
  return url;
}

function checkAddress(address: string, policy: UrlPolicy): void {
  if (!policy.allowPrivateNetworks && !isPublicAddress(address)) {
    const { field, settings } = policy.naming ?? WEBHOOK_NAMING;
    throw new UrlRefused(
      `'${field}' must reach a public address: ${address} is private, loopback or reserved (${settings}.allowPrivateNetworks)`,
    );
  }
}

/**
 * Every address `url`'s host resolves to, each checked against the policy; UrlRefused if any
 * is not allowed (a name with one private address among public ones could be steered there).
 */
export async function resolvePermitted(
  url: URL,
  policy: UrlPolicy,
  resolve: Resolve,
): Promise<ResolvedAddress[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (family !== 0) {
    checkAddress(host, policy);
    return [{ address: host, family: family === 6 ? 6 : 4 }];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new UrlRefused(`'${fieldOf(policy)}' host ${host} does not resolve`);
  }
  if (addresses.length === 0) {
    throw new UrlRefused(`'${fieldOf(policy)}' host ${host} does not resolve`);
  }
  for (const { address } of addresses) checkAddress(address, policy);
  return addresses;
}

function fieldOf(policy: UrlPolicy): string {
  return (policy.naming ?? WEBHOOK_NAMING).field;
}

/**
 * A `lookup` for http(s).request that answers with the addresses the guard checked, so the
 * connection goes where the check looked and a second resolution cannot steer it elsewhere.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      callback(null, [...addresses]);
    } else {
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    }
  };
}
