import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from '../core/cidr.js';

/** At most one log line a minute says connections were refused, and how many. */
const WARN_EVERY_MS = 60_000;

/**
 * Caps the connections one peer address holds open (`http.maxConnectionsPerAddress`): one client
 * opening thousands of idle sockets must not use up the process's file descriptors for everyone
 * else. A connection over the cap is closed before a byte of it is read. The peer is the socket's
 * address, not `trustProxy`'s client address: behind a proxy every connection is the proxy's, and
 * the cap belongs there (docs/decisions.md, "Connections per address"). Addresses are counted by
 * their key (addressKey): an IPv6 peer by its /64, which one host commonly holds entire.
 */
export function capConnectionsPerAddress(
  server: Server,
  max: number,
  log: FastifyBaseLogger,
): void {
  if (max === 0) return;
  const open = new Map<string, number>();
  let refused = 0;
  let lastWarnMs = 0;
  const onRefused = (address: string) => {
    refused += 1;
    const nowMs = Date.now();
    if (nowMs - lastWarnMs < WARN_EVERY_MS) return;
    log.warn(
      { address, refused, maxConnectionsPerAddress: max },
      'connections refused: an address holds http.maxConnectionsPerAddress already',
    );
    refused = 0;
    lastWarnMs = nowMs;
  };
  server.prependListener('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress);
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      onRefused(address);
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
