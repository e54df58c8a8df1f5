import { MAX_LAST_USED_FROM } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';

const MINUTE_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * `lastUsedFrom` (docs/rules.md, "Lifecycle"): the last few distinct addresses each PAT was
 * exchanged from, each written at most once a minute per PAT and address. The database's
 * conditional upsert keeps that across nodes; this node also remembers what it wrote in the last
 * minute, so a busy client costs no write at all.
 */
export class UseSources {
  readonly #written = new Map<string, number>();

  constructor(private readonly deps: { storage: Storage; clock: Clock }) {}

  async note(patId: string, ip: string | null, userAgent: string | null): Promise<void> {
    if (ip === null) return;
    const nowMs = this.deps.clock.now().getTime();
    const key = `${patId} ${ip}`;
    const last = this.#written.get(key);
    if (last !== undefined && nowMs - last < MINUTE_MS) return;
    await this.deps.storage.repos.patUseSources.note({
      patId,
      ip,
      userAgent: userAgent?.slice(0, 512) ?? null,
      at: new Date(nowMs).toISOString(),
      notAfter: new Date(nowMs - MINUTE_MS).toISOString(),
      keep: MAX_LAST_USED_FROM,
    });
    this.#written.delete(key);
    this.#written.set(key, nowMs);
    if (this.#written.size > MAX_REMEMBERED)
      this.#written.delete(this.#written.keys().next().value!);
  }
}
