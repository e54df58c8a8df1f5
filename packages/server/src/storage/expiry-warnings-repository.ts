import type { Db } from './database.js';
import { lockForTransaction } from './dialect.js';
import { parseStringArray } from './json.js';

/** A live PAT expiring before a horizon, with its owner, and the warnings it has had. */
export interface ExpiringPat {
  id: string;
  name: string;
  scope: string[];
  managed: boolean;
  created: string;
  lastUsed: string | null;
  expirationDate: string;
  ownerId: string;
  ownerName: string;
  ownerEmail: string | null;
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
    const rows = await this.db
      .selectFrom('personal_access_tokens as p')
      .innerJoin('identities as o', 'o.id', 'p.owner_id')
      .select([
        'p.id',
        'p.name',
        'p.scope',
        'p.managed',
        'p.created',
        'p.last_used',
        'p.expiration_date',
        'p.owner_id',
        'o.name as owner_name',
        'o.email as owner_email',
      ])
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
      id: row.id,
      name: row.name,
      scope: parseStringArray(row.scope),
      managed: row.managed === 1,
      created: row.created,
      lastUsed: row.last_used,
      expirationDate: row.expiration_date!,
      ownerId: row.owner_id,
      ownerName: row.owner_name,
      ownerEmail: row.owner_email,
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
  async claim(patId: string, expirationDate: string, thresholdDays: number, now: string) {
    const result = await this.db
      .insertInto('expiry_warnings')
      .values({
        pat_id: patId,
        expiration_date: expirationDate,
        threshold_days: thresholdDays,
        warned_at: now,
      })
      .onConflict((oc) => oc.columns(['pat_id', 'expiration_date', 'threshold_days']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
