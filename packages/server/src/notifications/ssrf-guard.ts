import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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
}

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
 * Addresses that are not public (IANA special-purpose registries, RFC 6890 and its updates):
 * "this network", private (RFC 1918), shared (RFC 6598), loopback, link-local, documentation,
 * benchmarking, multicast, reserved; IPv6 unspecified, loopback, unique-local, link-local,
 * site-local, documentation, discard and multicast. IPv4 inside IPv6 (mapped, NAT64, 6to4) is
 * checked as the IPv4 address it carries.
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
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
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const groups = expandIpv6(lower);
  if (!groups) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address written in hex (no dotted tail). */
function expandIpv6(address: string): number[] | undefined {
  if (address.includes('.')) return undefined;
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...Array<number>(missing).fill(0), ...right];
}

/** Whether `address` (an IP literal) is a public, routable unicast address. */
export function isPublicAddress(address: string): boolean {
  const unbracketed = address.replace(/^\[|\]$/g, '');
  const family = isIP(unbracketed);
  if (family === 4) return !NOT_PUBLIC.check(unbracketed, 'ipv4');
  if (family !== 6) return false;
  const inner = embeddedIpv4(unbracketed);
  if (inner !== undefined) return isPublicAddress(inner);
  return !NOT_PUBLIC.check(unbracketed, 'ipv6');
}

/**
 * The URL as Patina will call it, or UrlRefused: absolute http(s), https unless http is allowed,
 * no user name or password (a credential would be shown to every reader of the webhook; receivers
 * authenticate Patina by the signature), and a literal IP address only if it is allowed.
 */
export function checkUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused("'url' must be an absolute URL such as https://hooks.example.com/patina");
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UrlRefused("'url' must be an https URL");
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new UrlRefused(
      "'url' must be https: this deployment does not allow plain http (webhooks.allowHttp)",
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UrlRefused(
      "'url' must not carry a user name or password: receivers verify Patina by its signature",
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) checkAddress(host, policy);
  return url;
}

function checkAddress(address: string, policy: UrlPolicy): void {
  if (!policy.allowPrivateNetworks && !isPublicAddress(address)) {
    throw new UrlRefused(
      `'url' must reach a public address: ${address} is private, loopback or reserved (webhooks.allowPrivateNetworks)`,
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
    throw new UrlRefused(`'url' host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new UrlRefused(`'url' host ${host} does not resolve`);
  for (const { address } of addresses) checkAddress(address, policy);
  return addresses;
}
