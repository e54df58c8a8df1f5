import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import type { AuditLog } from '../audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../access/context.js';

/**
 * Records PERSONAL_ACCESS_TOKEN_EXPIRED once for each PAT whose expiry has passed (docs/rules.md,
 * "Audit").
 * Each PAT is claimed with a conditional UPDATE, so several nodes sweeping at once record it once.
 */
export class ExpirySweeper {
  constructor(
    private readonly deps: { storage: Storage; audit: AuditLog; clock: Clock },
    private readonly batchSize = 500,
  ) {}

  /** Records every pending expiry; returns how many it recorded. */
  async runOnce(): Promise<number> {
    let recorded = 0;
    for (;;) {
      const now = this.deps.clock.now().toISOString();
      const due = await this.deps.storage.repos.patExpiry.findNewlyExpired(now, this.batchSize);
      for (const pat of due) {
        const claimed = await this.deps.storage.transaction(async (repos) => {
          if (!(await repos.patExpiry.claimExpiry(pat.id, now))) return false;
          await this.deps.audit.record(repos, {
            type: 'PERSONAL_ACCESS_TOKEN_EXPIRED',
            context: SYSTEM_CONTEXT.audit,
            target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
            details: { ownerId: pat.owner_id, expirationDate: pat.expiration_date },
          });
          return true;
        });
        if (claimed) recorded++;
      }
      if (due.length < this.batchSize) return recorded;
    }
  }
}
