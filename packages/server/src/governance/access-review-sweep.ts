import { SYSTEM_CONTEXT } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { PatinaError } from '../core/errors.js';
import { DAY_MS } from '../core/time.js';
import type { Storage } from '../storage/repositories.js';
import { MAX_AUDITED_REVIEWERS, type AccessReviewService } from './access-reviews.js';

/** Campaigns handled per kind per pass; the next pass takes the rest. */
const PER_PASS = 100;

export interface AccessReviewSweepResult {
  closed: number;
  reminded: number;
  started: number;
}

/**
 * The housekeeping of access reviews, one pass at a time, safe on several nodes at once:
 * closes campaigns past their deadline (undecided items per whenUndecided), records a reminder
 * at each of accessReviews.reminderDaysBefore (once per campaign and threshold: a conditional
 * update of reminders_sent; the notifications turn ACCESS_REVIEW_REMINDED into mail and
 * webhooks), and starts the next campaign of a recurring one when it is due (once: the previous
 * campaign's next_start_at is claimed in the new one's transaction).
 */
export class AccessReviewSweep {
  constructor(
    private readonly deps: {
      service: AccessReviewService;
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      reminderDaysBefore: readonly number[];
    },
  ) {}

  async runOnce(): Promise<AccessReviewSweepResult> {
    const closed = await this.#closePastDeadline();
    const reminded = await this.#remind();
    const started = await this.#recur();
    return { closed, reminded, started };
  }

  async #closePastDeadline(): Promise<number> {
    const now = this.deps.clock.now().toISOString();
    const due = await this.deps.storage.repos.accessReviews.pastDeadline(now, PER_PASS);
    let closed = 0;
    for (const review of due) {
      if (await this.deps.service.closeRecord(SYSTEM_CONTEXT, review)) closed++;
    }
    return closed;
  }

  async #remind(): Promise<number> {
    const thresholds = [...this.deps.reminderDaysBefore].sort((a, b) => b - a);
    const furthest = thresholds[0];
    if (furthest === undefined) return 0;
    const now = this.deps.clock.now();
    const nowMs = now.getTime();
    const candidates = await this.deps.storage.repos.accessReviews.openWithDeadlineBetween(
      now.toISOString(),
      new Date(nowMs + furthest * DAY_MS).toISOString(),
      PER_PASS,
    );
    let reminded = 0;
    for (const review of candidates) {
      const deadlineMs = Date.parse(review.deadline);
      const due = thresholds.filter(
        (days) => nowMs >= deadlineMs - days * DAY_MS && !review.remindersSent.includes(days),
      );
      if (due.length === 0) continue;
      // Several thresholds passed since the last pass: one reminder says how long is left.
      const sent = [...review.remindersSent, ...due].sort((a, b) => b - a);
      const daysLeft = Math.ceil((deadlineMs - nowMs) / DAY_MS);
      const wrote = await this.deps.storage.transaction(async (repos) => {
        if (!(await repos.accessReviews.claimReminders(review.id, review.remindersSent, sent))) {
          return false;
        }
        const reviewerIds = await repos.accessReviews.pendingReviewerIds(
          review.id,
          MAX_AUDITED_REVIEWERS,
        );
        // Nobody has anything left to decide: the threshold counts as sent, nobody is told.
        if (reviewerIds.length === 0) return false;
        await this.deps.audit.record(repos, {
          type: 'ACCESS_REVIEW_REMINDED',
          context: SYSTEM_CONTEXT.audit,
          target: { type: 'ACCESS_REVIEW', id: review.id, name: review.name },
          at: now,
          details: { daysLeft, reviewerIds },
        });
        return true;
      });
      if (wrote) reminded++;
    }
    return reminded;
  }

  async #recur(): Promise<number> {
    const now = this.deps.clock.now();
    const nowMs = now.getTime();
    const due = await this.deps.storage.repos.accessReviews.dueToRecur(now.toISOString(), PER_PASS);
    let started = 0;
    for (const previous of due) {
      const everyDays = previous.everyDays;
      const claimedStartAt = previous.nextStartAt;
      if (everyDays === null || claimedStartAt === null) continue;
      const periodMs = everyDays * DAY_MS;
      // The schedule keeps its rhythm from the first start; starts missed while no node ran
      // are not made up, the next one is the first still ahead.
      let nextMs = Date.parse(claimedStartAt) + periodMs;
      while (nextMs <= nowMs) nextMs += periodMs;
      const deadlineOffsetMs = Date.parse(previous.deadline) - Date.parse(previous.created);
      const record = await this.#start(
        SYSTEM_CONTEXT,
        {
          name: previous.name,
          selection: previous.selection,
          reviewers: previous.reviewers,
          deadline: new Date(nowMs + deadlineOffsetMs).toISOString(),
          whenUndecided: previous.whenUndecided,
          everyDays,
        },
        {
          createdBy: { id: previous.createdById, name: previous.createdByName },
          nextStartAt: new Date(nextMs).toISOString(),
          recurrence: { previousId: previous.id, claimedStartAt },
        },
      );
      if (record) started++;
    }
    return started;
  }

  /**
   * A recurrence whose selection is refused now (more PATs than a campaign may hold) is left
   * due: it is tried again on the next pass, and the other campaigns go on.
   */
  async #start(...args: Parameters<AccessReviewService['start']>) {
    try {
      return await this.deps.service.start(...args);
    } catch (error) {
      if (error instanceof PatinaError) return undefined;
      throw error;
    }
  }
}
