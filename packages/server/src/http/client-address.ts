import type { FastifyRequest } from 'fastify';
import { addressKey, canonicalAddress } from '../core/cidr.js';

/**
 * The client's address, trustProxy applied (trust-proxy.ts), in its one canonical text
 * (canonicalAddress): what audit events, `lastUsedFrom` and `allowedCidrs` see. Null when the
 * nearest untrusted X-Forwarded-For entry is not an address at all. Every route reads the
 * client's address here, never from `request.ip`, whose text is whatever the header said
 * (`0x7f.0.0.2`, `::ffff:127.0.0.2`).
 */
export function clientAddress(request: FastifyRequest): string | null {
  // `ip` is the socket's address without trustProxy; a socket already closed has none.
  const ip = request.ip as string | undefined;
  return (ip !== undefined && canonicalAddress(ip)) || null;
}

/** The key this request's client is counted under by every per-address limit (addressKey). */
export function clientAddressKey(request: FastifyRequest): string {
  return addressKey(clientAddress(request));
}
