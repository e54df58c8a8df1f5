import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { capConnectionsPerAddress } from '../../src/http/connection-cap.js';
import { startListeningApp } from '../helpers.js';

/** What became of a raw connection: it answered a request, or was closed with nothing said. */
type Fate = 'answered' | 'closed';

/** Opens a connection from `localAddress` and keeps it open until the test ends. */
function open(base: string, localAddress: string): Promise<Socket> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress });
    onTestFinished(() => void socket.destroy());
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends GET /health on `socket`; resolves with what happened. */
function ask(socket: Socket): Promise<Fate> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.startsWith('HTTP/1.1 200')) resolve('answered');
    });
    socket.once('close', () =>
      resolve(received.startsWith('HTTP/1.1 200') ? 'answered' : 'closed'),
    );
    socket.on('error', () => undefined);
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

describe('connections per address', () => {
  it('closes one over http.maxConnectionsPerAddress, and only from that address', async () => {
    const { base } = await startListeningApp({ config: { http: { maxConnectionsPerAddress: 2 } } });
    const first = await open(base, '127.0.0.1');
    const second = await open(base, '127.0.0.1');
    const third = await open(base, '127.0.0.1');
    expect(await ask(third)).toBe('closed');
    // The two within the cap are served; another address has a cap of its own.
    expect(await ask(first)).toBe('answered');
    expect(await ask(second)).toBe('answered');
    expect(await ask(await open(base, '127.0.0.2'))).toBe('answered');
    // A connection that ends frees its place.
    first.destroy();
    await closed(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ask(await open(base, '127.0.0.1'))).toBe('answered');
  });

  it('has no cap with 0', async () => {
    const { base } = await startListeningApp({ config: { http: { maxConnectionsPerAddress: 0 } } });
    const sockets = await Promise.all(Array.from({ length: 5 }, () => open(base, '127.0.0.1')));
    for (const socket of sockets) expect(await ask(socket)).toBe('answered');
  });
});

/**
 * A socket as the cap sees it, from an address the loopback interface does not have (IPv6
 * addresses of one /64): only its address, its end and whether the cap destroyed it.
 */
class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string) {
    super();
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('connections per address, counted by address key', () => {
  /** Connections offered to the cap of a server that never listens: no traffic at all. */
  function cappedServer(max: number) {
    const server = new EventEmitter();
    const warnings: unknown[] = [];
    const log = { warn: (details: unknown) => void warnings.push(details) };
    capConnectionsPerAddress(server as Server, max, log as unknown as FastifyBaseLogger);
    const connect = (address: string) => {
      const socket = new FakeSocket(address);
      server.emit('connection', socket);
      return socket;
    };
    return { connect, warnings };
  }

  it('caps an IPv6 /64 as one address, and the next /64 on its own', () => {
    const { connect, warnings } = cappedServer(2);
    const first = connect('2001:db8:1:2::1');
    expect(first.destroyed).toBe(false);
    expect(connect('2001:db8:1:2::2').destroyed).toBe(false);
    expect(connect('2001:db8:1:2:ffff::3').destroyed).toBe(true);
    expect(connect('2001:db8:1:3::1').destroyed).toBe(false);
    expect(warnings).toEqual([
      { address: '2001:db8:1:2::/64', refused: 1, maxConnectionsPerAddress: 2 },
    ]);
    // A connection of the /64 that ends frees a place for any address of it.
    first.destroy();
    expect(connect('2001:db8:1:2::4').destroyed).toBe(false);
  });

  it('caps an IPv4-mapped peer (a dual-stack listener) together with its IPv4 form', () => {
    const { connect } = cappedServer(1);
    expect(connect('::ffff:198.51.100.9').destroyed).toBe(false);
    expect(connect('198.51.100.9').destroyed).toBe(true);
    expect(connect('198.51.100.10').destroyed).toBe(false);
  });
});
