import { performance } from 'node:perf_hooks';
import type { PatCredentialRecord } from '../pats/model.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ChangeEvent, ChangeFeed } from '../storage/change-feed.js';

const MAX_ENTRIES = 50_000;
/** A backstop only: entries are dropped the moment a change is heard, long before this. */
const MAX_AGE_MS = 5 * 60_000;

interface Entry<T> {
  value: T;
  storedAtMs: number;
}

/**
 * What the bearer check reads on every API call, kept in this process: the PAT behind a token
 * (with its owner's status and rights) and the verdict "this jti is not revoked". An entry is
 * dropped as soon as any node changes what it was read from (the change feed: this node's
 * commits at once, other nodes' through PostgreSQL NOTIFY), and nothing is cached while the feed
 * is disconnected, when changes could be missed.
 *
 * A read that started before a change and finishes after it must not store what it read: every
 * change bumps a generation, and a value is stored only if the generation did not move while it
 * was being read.
 */
export class LivenessCache {
  readonly #records = new Map<string, Entry<PatCredentialRecord>>();
  readonly #notRevoked = new Map<string, Entry<true>>();
  #generation = 0;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly metrics?: Pick<Metrics, 'livenessLookup'>,
  ) {
    this.#unsubscribe = feed.subscribe((event) => this.#hear(event));
  }

  /** The PAT record for `patId`, from the cache or from `load`. */
  async record(
    patId: string,
    load: () => Promise<PatCredentialRecord | undefined>,
  ): Promise<PatCredentialRecord | undefined> {
    const cached = this.#get(this.#records, patId);
    this.metrics?.livenessLookup(cached ? 'hit' : 'miss');
    if (cached) return cached;
    const generation = this.#generation;
    const record = await load();
    if (record) this.#put(this.#records, patId, record, generation);
    return record;
  }

  /** Whether `jti` is revoked; only "not revoked" is cached (a revocation is final anyway). */
  async isRevoked(jti: string, load: () => Promise<boolean>): Promise<boolean> {
    const cached = this.#get(this.#notRevoked, jti);
    this.metrics?.livenessLookup(cached ? 'hit' : 'miss');
    if (cached) return false;
    const generation = this.#generation;
    const revoked = await load();
    if (!revoked) this.#put(this.#notRevoked, jti, true, generation);
    return revoked;
  }

  get size(): number {
    return this.#records.size + this.#notRevoked.size;
  }

  close(): void {
    this.#unsubscribe();
    this.#drop();
  }

  #get<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    if (!this.feed.connected) return undefined;
    const entry = map.get(key);
    if (!entry) return undefined;
    if (performance.now() - entry.storedAtMs > MAX_AGE_MS) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #put<T>(map: Map<string, Entry<T>>, key: string, value: T, generation: number): void {
    if (!this.feed.connected || generation !== this.#generation) return;
    map.delete(key);
    map.set(key, { value, storedAtMs: performance.now() });
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
  }

  #hear(event: ChangeEvent): void {
    this.#generation += 1;
    switch (event.kind) {
      case 'pat':
        this.#records.delete(event.id);
        return;
      case 'revocation':
        this.#notRevoked.delete(event.jti);
        return;
      case 'identity':
        // An owner's status, roles or rights are part of every record of their PATs.
        for (const [id, entry] of this.#records) {
          if (entry.value.ownerId === event.id) this.#records.delete(id);
        }
        return;
      case 'keys':
        return;
      case 'reset':
        this.#drop();
        return;
    }
  }

  #drop(): void {
    this.#records.clear();
    this.#notRevoked.clear();
  }
}
