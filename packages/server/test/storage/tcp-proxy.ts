import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied connection: the socket the client opened to us and ours to the target. */
interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 in front of one server (the test PostgreSQL), to take the network
 * away from a node and give it back: `cut()` breaks every connection and refuses new ones,
 * `refuseNew()` refuses new ones but keeps those open, `stall()` drops every byte silently (a
 * network path gone dark: no reset, no answer), `restore()` lets everything through again.
 */
export class TcpProxy {
  readonly #links = new Set<Link>();
  #refusing = false;
  #stalled = false;

  readonly #server: Server;
  #port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.#server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
    proxy.#port = address.port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** The same database URL, pointed at this proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /**
   * The local ports of the connections this proxy holds to the target: the `client_port` under
   * which the database server lists them (pg_stat_activity).
   */
  upstreamPorts(): number[] {
    return [...this.#links]
      .map((link) => link.upstream.localPort)
      .filter((port): port is number => port !== undefined);
  }

  /** Every connection breaks at once, and new ones are refused until `restore()`. */
  cut(): void {
    this.#refusing = true;
    for (const link of this.#links) this.#drop(link);
  }

  /** New connections are refused; the open ones keep working. */
  refuseNew(): void {
    this.#refusing = true;
  }

  /** Nothing gets through any more, either way, and nobody is told: connections just hang. */
  stall(): void {
    this.#stalled = true;
    for (const link of this.#links) {
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.client.pause();
      link.upstream.pause();
    }
  }

  restore(): void {
    this.#refusing = false;
    if (this.#stalled) {
      this.#stalled = false;
      for (const link of this.#links) this.#forward(link);
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const link = { client, upstream };
    this.#links.add(link);
    // Either side failing or closing takes the other down, as a broken network path would.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.#drop(link));
      socket.on('close', () => this.#drop(link));
    }
    if (!this.#stalled) this.#forward(link);
  }

  #forward(link: Link): void {
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
  }

  #drop(link: Link): void {
    this.#links.delete(link);
    link.client.destroy();
    link.upstream.destroy();
  }
}
