import { CidrSet } from '../core/cidr.js';

/**
 * Fastify's `trustProxy` from the `trustProxy` setting: a request whose peer is one of the
 * listed proxies is taken to come from the address its X-Forwarded-For names (the nearest
 * address not itself a trusted proxy, as proxy-addr walks the list), so the client's address
 * (client-address.ts, which puts it in canonical form) is the client everywhere: audit sourceIp,
 * rate limits, allowedCidrs. With none listed the peer is the client and X-Forwarded-For is
 * ignored, as anyone can send it.
 */
export function trustProxyOption(
  cidrs: readonly string[],
): false | ((address: string, hop: number) => boolean) {
  if (cidrs.length === 0) return false;
  const proxies = CidrSet.parse(cidrs, (index) => `trustProxy[${index}]`);
  return (address) => proxies.contains(address);
}
