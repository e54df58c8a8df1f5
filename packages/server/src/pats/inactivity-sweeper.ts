import { SYSTEM_CONTEXT } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import type { PatActivity } from '../storage/pat-lifecycle-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { ruleBoundsFor } from './policy-rules.js';
import { revokePat } from './revoke.js';
import { DAY_MS } from '../core/time.js';

export interface InactivitySweep {
  warned: number;
  revoked: number;
}

/**
 * Retires PATs nobody uses (docs/rules.md, "Lifecycle"). A PAT unused — by lastUsed, or created
 * if never used — for `policy.inactivity.revokeAfterDays`, or for the shorter
 * `revokeAfterInactiveDays` of a `policy.rules` entry that binds it, is revoked (reason
 * INACTIVE). `warnDaysBefore` days earlier it gets a PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING, and
 * it is never revoked sooner than that many days after its warning, so an owner always has that
 * long to use it or let it go (even when the policy is new and the PAT long idle). A use after
 * the warning starts over.
 *
 * On PostgreSQL one node at a time sweeps: each page is a transaction holding the sweep's
 * advisory lock, and a node that cannot take it leaves the round to the one that has it. Every
 * write is also conditional on the PAT being unused still, so a use racing the sweep wins.
 */
export class InactivitySweeper {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      policy: Pick<Policy, 'inactivity' | 'rules'>;
    },
    private readonly pageSize = 500,
  ) {}

  async runOnce(): Promise<InactivitySweep> {
    const done: InactivitySweep = { warned: 0, revoked: 0 };
    const shortest = this.#shortestLimitDays();
    if (shortest === null) return done;
    const now = this.deps.clock.now();
    const warnMs = this.deps.policy.inactivity.warnDaysBefore * DAY_MS;
    // The first moment anything can be due is the warning of the shortest limit.
    const unusedSince = new Date(now.getTime() - shortest * DAY_MS + warnMs).toISOString();
    let afterId = '';
    for (;;) {
      const page = await this.deps.storage.transaction(async (repos) => {
        if (!(await repos.patLifecycle.tryLockSweep('inactivity'))) return undefined;
        const pats = await repos.patLifecycle.findUnusedSince({
          unusedSince,
          afterId,
          limit: this.pageSize,
        });
        for (const pat of pats) await this.#sweep(repos, pat, now, warnMs, done);
        return pats;
      });
      if (page === undefined || page.length < this.pageSize) return done;
      afterId = page[page.length - 1]!.id;
    }
  }

  async #sweep(
    repos: Repositories,
    pat: PatActivity,
    now: Date,
    warnMs: number,
    done: InactivitySweep,
  ): Promise<void> {
    const limitDays = this.#limitDays(pat.scope);
    if (limitDays === null) return;
    const dueMs = new Date(pat.activeAt).getTime() + limitDays * DAY_MS;
    const nowIso = now.toISOString();
    const warnedAt =
      pat.inactivityWarnedAt !== null && pat.inactivityWarnedAt >= pat.activeAt
        ? new Date(pat.inactivityWarnedAt).getTime()
        : null;
    if (warnedAt === null && warnMs > 0) {
      if (now.getTime() < dueMs - warnMs) return;
      const warning = { id: pat.id, activeAt: pat.activeAt, now: nowIso };
      if (!(await repos.patLifecycle.claimInactivityWarning(warning))) return;
      await this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING',
        context: SYSTEM_CONTEXT.audit,
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
        details: {
          ownerId: pat.ownerId,
          unusedSince: pat.activeAt,
          revokeAfterDays: limitDays,
          revokeAt: new Date(Math.max(dueMs, now.getTime() + warnMs)).toISOString(),
        },
      });
      done.warned++;
      return;
    }
    const revokeAtMs = Math.max(dueMs, (warnedAt ?? 0) + warnMs);
    if (now.getTime() < revokeAtMs) return;
    const revoked = await revokePat(repos, this.deps.audit, {
      pat,
      reason: 'INACTIVE',
      now: nowIso,
      context: SYSTEM_CONTEXT.audit,
      unusedSince: pat.activeAt,
      details: { unusedSince: pat.activeAt, revokeAfterDays: limitDays },
    });
    if (revoked) done.revoked++;
  }

  /** The inactivity limit of a PAT with `scope`: the global one or a binding rule's, the shorter. */
  #limitDays(scope: readonly string[]): number | null {
    const global = this.deps.policy.inactivity.revokeAfterDays;
    const byRule = ruleBoundsFor(scope, this.deps.policy.rules).inactivity?.days ?? null;
    if (global === null) return byRule;
    return byRule === null ? global : Math.min(global, byRule);
  }

  #shortestLimitDays(): number | null {
    const limits = [
      this.deps.policy.inactivity.revokeAfterDays,
      ...this.deps.policy.rules.map((rule) => rule.revokeAfterInactiveDays),
    ].filter((days): days is number => days !== null);
    return limits.length === 0 ? null : Math.min(...limits);
  }
}
