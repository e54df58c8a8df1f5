import type { PatRevocationReason } from '@patina/contract';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { tryLockForTransaction } from './dialect.js';
import type { RecordChange } from './change-feed.js';
import { parseStringArray } from './json.js';
import { updateLivePat } from './live-pat-update.js';

/** A rotation: the new secret's digest; the one it replaces becomes the previous secret. */
export interface SecretRotation {
  digest: string;
  version: number;
  rotatedAt: string;
  /** The end of the old secret's grace window; null for none. */
  previousValidUntil: string | null;
}

/** A live PAT a digest matched, for revocation. */
export interface PatRef {
  id: string;
  name: string;
  ownerId: string;
  managed: boolean;
}

/** What the inactivity sweep reads of a PAT. */
export interface PatActivity {
  id: string;
  name: string;
  ownerId: string;
  scope: string[];
  /** lastUsed, or created when never used: what inactivity is measured from. */
  activeAt: string;
  inactivityWarnedAt: string | null;
}

/** A PAT unused since `activeAt`, as a conditional write at `now` names it. */
export interface UnusedPat {
  id: string;
  /** lastUsed, or created when never used, as the sweep read it: the write holds only if unchanged. */
  activeAt: string;
  now: string;
}

/**
 * The writes and reads of a PAT's lifecycle beyond create, change and delete: rotating its
 * secret, revoking it (by Patina: leaked, inactive, offboarded, reused), finding live PATs by a
 * secret's digest, and the inactivity sweep's candidates. Every write is one conditional
 * UPDATE, so two nodes doing the same thing at once do it once; those that end a secret or the
 * PAT go through updateLivePat, which tells every node's caches.
 */
export class PatLifecycleRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  /**
   * Inside a transaction: takes the lock of one housekeeping sweep until it ends, or returns
   * false when another node holds it (PostgreSQL); that node is doing the sweep already.
   */
  async tryLockSweep(sweep: string): Promise<boolean> {
    return tryLockForTransaction(this.db, `patina:sweep:${sweep}`);
  }

  /**
   * The new secret replaces the current one, which becomes the previous one; false if gone. The
   * grace of the secret before ends now, so the tokens from before the last rotation are retired
   * for good: tokens_not_before moves up to it (never down). SET reads the row as it was.
   */
  rotateSecret(id: string, rotation: SecretRotation): Promise<boolean> {
    return updateLivePat(this.db, this.record, id, (update) =>
      update.set((eb) => ({
        tokens_not_before: eb
          .case()
          .when(
            eb.or([
              eb('tokens_not_before', 'is', null),
              eb('rotated_at', '>', eb.ref('tokens_not_before')),
            ]),
          )
          .then(eb.ref('rotated_at'))
          .else(eb.ref('tokens_not_before'))
          .end(),
        previous_secret_digest: eb.ref('secret_digest'),
        previous_digest_version: eb.ref('digest_version'),
        previous_secret_valid_until: rotation.previousValidUntil,
        secret_digest: rotation.digest,
        digest_version: rotation.version,
        rotated_at: rotation.rotatedAt,
      })),
    );
  }

  /**
   * Revokes a live PAT: it is deleted as far as every surface is concerned, and the reason says
   * it was Patina's doing. False if it was already gone (someone else got there first).
   */
  revoke(id: string, now: string, reason: PatRevocationReason): Promise<boolean> {
    return updateLivePat(this.db, this.record, id, (update) =>
      update.set({ deleted_at: now, revoked_reason: reason }),
    );
  }

  /**
   * Live PATs whose current secret has one of `digests`, or whose previous secret has one and is
   * still inside its grace window at `now`. Each PAT once.
   */
  async findLiveByDigests(digests: readonly string[], now: string): Promise<PatRef[]> {
    if (digests.length === 0) return [];
    const rows = await this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'owner_id', 'managed'])
      .where('deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('secret_digest', 'in', digests),
          eb.and([
            eb('previous_secret_digest', 'in', digests),
            eb('previous_secret_valid_until', '>', now),
          ]),
        ]),
      )
      .orderBy('id')
      .execute();
    return rows.map(toRef);
  }

  /** Every live PAT of one owner, managed ones too, oldest first. */
  async liveOfOwner(ownerId: string): Promise<PatRef[]> {
    const rows = await this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'owner_id', 'managed'])
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .orderBy('created')
      .orderBy('id')
      .execute();
    return rows.map(toRef);
  }

  /**
   * Live PATs unused since `unusedSince` (lastUsed, or created if never used, at or before it),
   * in id order after `afterId`: one page of the inactivity sweep.
   */
  async findUnusedSince(options: {
    unusedSince: string;
    afterId: string;
    limit: number;
  }): Promise<PatActivity[]> {
    const activeAt = sql<string>`coalesce(last_used, created)`;
    const rows = await this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'owner_id', 'scope', 'inactivity_warned_at'])
      .select(activeAt.as('active_at'))
      .where('deleted_at', 'is', null)
      .where('id', '>', options.afterId)
      .where(activeAt, '<=', options.unusedSince)
      .orderBy('id')
      .limit(options.limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      ownerId: row.owner_id,
      scope: parseStringArray(row.scope),
      activeAt: row.active_at,
      inactivityWarnedAt: row.inactivity_warned_at,
    }));
  }

  /**
   * Claims the inactivity warning of a PAT still unused since `activeAt` and not yet warned in
   * this period; false if it was used meanwhile or another node warned first.
   */
  async claimInactivityWarning({ id, activeAt, now }: UnusedPat): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_access_tokens')
      .set({ inactivity_warned_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where(sql<string>`coalesce(last_used, created)`, '=', activeAt)
      .where((eb) =>
        eb.or([eb('inactivity_warned_at', 'is', null), eb('inactivity_warned_at', '<', activeAt)]),
      )
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revokes a PAT for inactivity, unless it was used (or revoked) since `activeAt`. */
  revokeUnused({ id, activeAt, now }: UnusedPat): Promise<boolean> {
    return updateLivePat(this.db, this.record, id, (update) =>
      update
        .set({ deleted_at: now, revoked_reason: 'INACTIVE' })
        .where(sql<string>`coalesce(last_used, created)`, '=', activeAt),
    );
  }
}

function toRef(row: { id: string; name: string; owner_id: string; managed: number }): PatRef {
  return { id: row.id, name: row.name, ownerId: row.owner_id, managed: row.managed === 1 };
}
