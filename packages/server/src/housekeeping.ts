import type { ExpirySweeper } from './pats/expiry-sweeper.js';
import type { InactivitySweep, InactivitySweeper } from './pats/inactivity-sweeper.js';
import type { ExpiryWarnings } from './notifications/expiry-warnings.js';
import { SYSTEM_CONTEXT } from './access/context.js';
import type { Clock } from './core/clock.js';
import type {
  AccessReviewSweep,
  AccessReviewSweepResult,
} from './governance/access-review-sweep.js';
import type { ApprovalService } from './pats/approvals.js';
import { addUtcDays, utcDay } from './core/utc-day.js';
import type { Storage } from './storage/repositories.js';
import type { KeyRotation } from './tokens/key-rotation.js';
import type { SigningKeys } from './tokens/signing-keys.js';

/** How long SQLite's change rows are kept: processes read them within a tenth of a second. */
const CHANGE_ROWS_KEPT_MS = 10 * 60_000;

/**
 * The periodic work of a running node, one pass at a time: record PAT expiries, warn of coming
 * ones (notifications.expiryWarningDays), prune revoked tokens and exchanged workload tokens
 * that have expired anyway, rotate the signing keys (tokens', SETs') when due, and pick up keys that
 * another process (`patina keys rotate`) made.
 */
export class Housekeeping {
  constructor(
    private readonly deps: {
      expirySweeper: ExpirySweeper;
      inactivitySweeper: InactivitySweeper;
      expiryWarnings: ExpiryWarnings;
      /** The access tokens' keys and the Shared Signals keys, each with its rotation. */
      keySets: { keys: SigningKeys; rotation: KeyRotation }[];
      storage: Storage;
      clock: Clock;
      /** Access reviews: closes them at the deadline, reminds, starts recurring ones. */
      accessReviews: AccessReviewSweep;
      /** approval.rules: expires unanswered requests and secrets nobody fetched in time. */
      approvalRequests: ApprovalService;
      /** accessReviews.usageHistoryDays: UTC days of usage history kept, today included. */
      usageHistoryDays: number;
    },
  ) {}

  async runOnce(): Promise<{
    expiriesRecorded: number;
    expiryWarningsRaised: number;
    revocationsPruned: number;
    federationReplaysPruned: number;
    usageDaysPruned: number;
    changesPruned: number;
    inactivity: InactivitySweep;
    accessReviews: AccessReviewSweepResult;
    approvalRequests: { expired: number; secretsLapsed: number };
  }> {
    const expiriesRecorded = await this.deps.expirySweeper.runOnce();
    const expiryWarningsRaised = await this.deps.expiryWarnings.runOnce();
    // policy.inactivity and policy.rules: warn of, then revoke, PATs nobody uses.
    const inactivity = await this.deps.inactivitySweeper.runOnce();
    // Campaigns past their deadline close (undecided items revoked or kept); reminders; recurrences.
    const accessReviews = await this.deps.accessReviews.runOnce();
    const approvalRequests = await this.deps.approvalRequests.sweep();
    const now = this.deps.clock.now().toISOString();
    const revocationsPruned = await this.deps.storage.repos.revocations.prune(now);
    // Workload tokens exchanged and expired since: their exp refuses a replay by itself now.
    const federationReplaysPruned = await this.deps.storage.repos.trustPolicies.pruneReplays(now);
    const usageDaysPruned = await this.deps.storage.repos.patUsage.prune(
      addUtcDays(utcDay(this.deps.clock.now()), 1 - this.deps.usageHistoryDays),
    );
    // SQLite's change table: every process has read a row long before this (sqlite-change-feed.ts).
    const changesPruned = await this.deps.storage.pruneChanges(Date.now() - CHANGE_ROWS_KEPT_MS);
    for (const { keys, rotation } of this.deps.keySets) {
      await keys.reload();
      await rotation.rotateIfDue(SYSTEM_CONTEXT);
    }
    return {
      expiriesRecorded,
      expiryWarningsRaised,
      revocationsPruned,
      federationReplaysPruned,
      usageDaysPruned,
      changesPruned,
      inactivity,
      accessReviews,
      approvalRequests,
    };
  }
}
