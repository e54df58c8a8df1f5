import pg from 'pg';
import type { Logger } from 'pino';
import { randomHexId } from '../core/ids.js';

/**
 * A change that in-process caches must hear about: a PAT changed or was deleted, an identity
 * changed (status, roles, rights), the signing keys changed, an access token was revoked.
 */
export type Change =
  /** A credential behind access tokens changed: a PAT, or a trust policy (`tp_…`), by its id. */
  | { kind: 'pat'; id: string }
  | { kind: 'identity'; id: string }
  | { kind: 'keys' }
  | { kind: 'revocation'; jti: string };

/**
 * What a subscriber hears: a change, or `reset` when changes may have been missed (the link to
 * the other nodes was lost or came back), after which every cached entry must be dropped.
 */
export type ChangeEvent = Change | { kind: 'reset' };

/** How a repository reports a write that caches on every node must hear about. */
export type RecordChange = (change: Change) => Promise<void>;

export function encodeChange(change: Change): string {
  switch (change.kind) {
    case 'pat':
    case 'identity':
      return `${change.kind}:${change.id}`;
    case 'revocation':
      return `revocation:${change.jti}`;
    case 'keys':
      return 'keys';
  }
}

export function decodeChange(payload: string): Change | undefined {
  const [kind, value] = payload.split(':', 2);
  if (kind === 'keys') return { kind: 'keys' };
  if (!value) return undefined;
  if (kind === 'pat' || kind === 'identity') return { kind, id: value };
  if (kind === 'revocation') return { kind, jti: value };
  return undefined;
}

/**
 * The changes of this node and, with PostgreSQL, of every other node. A cache may trust what it
 * holds only while `connected` is true: then every change made anywhere reaches it. With SQLite
 * there is one node and the feed is always connected; with PostgreSQL it is connected while the
 * LISTEN connection is up.
 */
export class ChangeFeed {
  readonly #subscribers = new Set<(event: ChangeEvent) => void>();
  #connected: boolean;
  /** This process's name in the SQLite change table: its own rows it has heard already. */
  readonly origin = randomHexId();

  constructor(connected = true) {
    this.#connected = connected;
  }

  get connected(): boolean {
    return this.#connected;
  }

  subscribe(subscriber: (event: ChangeEvent) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Delivers changes to this node's subscribers (after the commit that made them). */
  publish(changes: Iterable<ChangeEvent>): void {
    for (const change of changes) {
      for (const subscriber of this.#subscribers) subscriber(change);
    }
  }

  /** Caches drop everything whenever the link goes down or comes back up. */
  setConnected(connected: boolean): void {
    this.#connected = connected;
    this.publish([{ kind: 'reset' }]);
  }

  close(): Promise<void> {
    this.#subscribers.clear();
    return Promise.resolve();
  }
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;
/**
 * The listener proves it is alive every HEARTBEAT_MS; one round trip that takes longer than
 * HEARTBEAT_TIMEOUT_MS counts as a lost connection. A network that goes silent (no reset, no
 * answer) is thus noticed within 800 ms, and caches stop trusting themselves before a change
 * they could not hear is a second old.
 */
const HEARTBEAT_MS = 200;
const HEARTBEAT_TIMEOUT_MS = 600;

/**
 * The PostgreSQL side of the feed: one connection that LISTENs on the deployment's channel and
 * publishes what other nodes NOTIFY. When the connection breaks, the feed is marked disconnected
 * (caches stop trusting themselves) and the listener reconnects with backoff; once it LISTENs
 * again the feed is connected and every cache starts empty. A heartbeat on the same connection
 * notices a server that vanished without closing the socket, within about a second.
 */
export class PostgresChangeListener extends ChangeFeed {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = MIN_RETRY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #ready: Promise<void>;
  /** When PostgreSQL was last heard on the connection (a change or a heartbeat), epoch ms. */
  #lastHeardMs = Date.now();

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    readonly channel: string,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {
    super(false);
    this.#ready = this.#connect();
  }

  /** Seconds since PostgreSQL was last heard on the connection (since the start, if never). */
  get lastHeardAgeSeconds(): number {
    return (Date.now() - this.#lastHeardMs) / 1000;
  }

  /** Resolves once the first LISTEN is in place (or the first attempt failed). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client(this.clientConfig);
    this.#client = client;
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      this.#lastHeardMs = Date.now();
      const change = message.payload === undefined ? undefined : decodeChange(message.payload);
      if (change) this.publish([change]);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      this.logger?.warn(
        { err: { message: (error as Error).message } },
        'change listener cannot connect; caches are bypassed until it does',
      );
      this.#lost(client);
      return;
    }
    if (this.#closed || this.#client !== client) return;
    this.#retryMs = MIN_RETRY_MS;
    this.#lastHeardMs = Date.now();
    this.setConnected(true);
    let pending = false;
    this.#heartbeat = setInterval(() => {
      if (pending) return;
      pending = true;
      // Each round trip has a deadline of its own, so a silent network is noticed at most
      // HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS after it fell silent. The check waits for the I/O
      // phase (setImmediate): after a busy event loop an answer already received counts.
      const deadline = setTimeout(
        () =>
          setImmediate(() => {
            if (pending) this.#lost(client);
          }),
        HEARTBEAT_TIMEOUT_MS,
      );
      deadline.unref();
      client.query('select 1').then(
        () => {
          pending = false;
          this.#lastHeardMs = Date.now();
          clearTimeout(deadline);
        },
        () => {
          clearTimeout(deadline);
          this.#lost(client);
        },
      );
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.connected) {
      this.logger?.warn('change listener lost its connection; reconnecting');
      this.setConnected(false);
    }
    if (this.#closed) return;
    this.#retryTimer = setTimeout(() => void this.#connect(), this.#retryMs);
    this.#retryTimer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  override async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
    await super.close();
  }
}
