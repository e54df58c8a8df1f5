import type { Db } from './database.js';
import { lockForTransaction } from './dialect.js';
import { selectPatSubjects, toPatSubject, type PatSubject } from './pats-with-owners.js';

/** A live PAT expiring before a horizon, with its owner, and the warnings it has had. */
export interface ExpiringPat extends PatSubject {
  expirationDate: string;
  /** Thresholds (days) already warned about for this expiry date. */
  warnedThresholds: number[];
}

export class ExpiryWarningsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Live PATs of active owners whose expiry is in (now, before), soonest first, with the
   * warnings they had for that expiry.
   */
  async findExpiring(
    now: string,
    before: string,
    page: { limit: number; offset: number },
  ): Promise<ExpiringPat[]> {
    const rows = await selectPatSubjects(this.db)
      .where('p.deleted_at', 'is', null)
      .where('o.status', '=', 'ACTIVE')
      .where('p.expiration_date', '>', now)
      .where('p.expiration_date', '<', before)
      .orderBy('p.expiration_date')
      .orderBy('p.id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    if (rows.length === 0) return [];
    const warnings = await this.db
      .selectFrom('expiry_warnings')
      .select(['pat_id', 'expiration_date', 'threshold_days'])
      .where(
        'pat_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((row) => ({
      ...toPatSubject(row),
      expirationDate: row.expiration_date!,
      warnedThresholds: warnings
        .filter((w) => w.pat_id === row.id && w.expiration_date === row.expiration_date)
        .map((w) => w.threshold_days),
    }));
  }

  /** Serialises the warnings of one owner across nodes until the transaction ends. */
  async lockOwner(ownerId: string): Promise<void> {
    await lockForTransaction(this.db, `expiry-warnings:${ownerId}`);
  }

  /**
   * Records a warning; false when it was already recorded (by an earlier sweep or another
   * node), in which case it must not be raised again.
   */
  async claim(warning: {
    patId: string;
    expirationDate: string;
    thresholdDays: number;
    now: string;
  }): Promise<boolean> {
    const result = await this.db
      .insertInto('expiry_warnings')
      .values({
        pat_id: warning.patId,
        expiration_date: warning.expirationDate,
        threshold_days: warning.thresholdDays,
        warned_at: warning.now,
      })
      .onConflict((oc) => oc.columns(['pat_id', 'expiration_date', 'threshold_days']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
