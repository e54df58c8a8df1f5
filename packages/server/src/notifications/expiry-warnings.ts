import { SYSTEM_CONTEXT } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { ExpiringPat } from '../storage/expiry-warnings-repository.js';
import type { Storage } from '../storage/repositories.js';
import { daysLeft, expiringDigestMail } from './mail-templates.js';
import type { NotificationOutbox } from './outbox.js';
import { randomHexId } from '../core/ids.js';
import { DAY_MS } from '../core/time.js';

const PAGE = 500;

/** A warning due: the PAT, its days left and the threshold it is now within. */
interface Due {
  pat: ExpiringPat;
  daysLeft: number;
  thresholdDays: number;
}

/**
 * Expiry warnings, raised by the housekeeping sweep. Days left are whole UTC calendar days, so
 * every PAT crossing a threshold on a given day is found by that day's first sweep, and its owner
 * gets one digest mail for all of them. A PAT is warned once per threshold (and expiry date):
 * the warning is claimed in `expiry_warnings`, whose primary key no second sweep or node can
 * claim again. A PAT already inside several thresholds when first seen (made with 3 days to
 * live, or present when warnings were switched on) gets one warning, for the smallest of them.
 */
export class ExpiryWarnings {
  readonly #thresholds: number[];

  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      outbox: NotificationOutbox;
      thresholdsDays: readonly number[];
    },
  ) {
    this.#thresholds = [...new Set(deps.thresholdsDays)].sort((a, b) => a - b);
  }

  /** Raises every warning due now; returns how many. */
  async runOnce(): Promise<number> {
    const largest = this.#thresholds.at(-1);
    if (largest === undefined) return 0;
    const now = this.deps.clock.now();
    // Everything expiring before the end of the UTC day `largest` days from today.
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    const horizon = new Date(today + (largest + 1) * DAY_MS).toISOString();
    const byOwner = new Map<string, Due[]>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.deps.storage.repos.expiryWarnings.findExpiring(
        now.toISOString(),
        horizon,
        { limit: PAGE, offset },
      );
      for (const pat of page) {
        const due = this.#due(pat, now);
        if (!due) continue;
        const list = byOwner.get(pat.ownerId) ?? [];
        list.push(due);
        byOwner.set(pat.ownerId, list);
      }
      if (page.length < PAGE) break;
    }
    let raised = 0;
    for (const [ownerId, due] of byOwner) raised += await this.#warnOwner(ownerId, due, now);
    return raised;
  }

  #due(pat: ExpiringPat, now: Date): Due | undefined {
    const left = daysLeft(pat.expirationDate, now);
    const threshold = this.#thresholds.find((t) => left <= t);
    if (threshold === undefined) return undefined;
    // Warned at this threshold already, or at a smaller one (nothing larger is due then).
    if (pat.warnedThresholds.some((t) => t <= threshold)) return undefined;
    return { pat, daysLeft: Math.max(left, 0), thresholdDays: threshold };
  }

  /**
   * One owner's warnings in one transaction, under a lock on the owner, so that two nodes
   * sweeping at once cannot split one owner's digest in two: the second waits, then finds each
   * warning claimed.
   */
  async #warnOwner(ownerId: string, due: Due[], now: Date): Promise<number> {
    const { storage, audit, outbox } = this.deps;
    const nowIso = now.toISOString();
    return storage.transaction(async (repos) => {
      await repos.expiryWarnings.lockOwner(ownerId);
      const claimed: Due[] = [];
      for (const item of due) {
        const { pat } = item;
        const warning = {
          patId: pat.id,
          expirationDate: pat.expirationDate,
          thresholdDays: item.thresholdDays,
          now: nowIso,
        };
        if (!(await repos.expiryWarnings.claim(warning))) continue;
        claimed.push(item);
        await audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_EXPIRING',
          context: SYSTEM_CONTEXT.audit,
          target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
          details: {
            ownerId,
            daysLeft: item.daysLeft,
            thresholdDays: item.thresholdDays,
            expirationDate: pat.expirationDate,
          },
        });
      }
      const owner = claimed[0]?.pat;
      if (owner?.ownerEmail && outbox.mailEnabled) {
        const content = expiringDigestMail(
          outbox.mailContext(owner.ownerName),
          claimed.map((c) => ({
            id: c.pat.id,
            name: c.pat.name,
            expirationDate: c.pat.expirationDate,
            daysLeft: c.daysLeft,
            nextWarningDays: this.#thresholds.filter((t) => t < c.thresholdDays),
          })),
        );
        await outbox.queueMail(repos, {
          to: owner.ownerEmail,
          eventType: 'personal_access_token.expiring',
          eventId: randomHexId(),
          content,
        });
      }
      return claimed.length;
    });
  }
}
