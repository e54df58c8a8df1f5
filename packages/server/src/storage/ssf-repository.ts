import { SSF_DELIVERY_PUSH } from '@patina/contract';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './database.js';
import { advisoryKey, dialectOf, lockForTransaction, supportsRowLocks } from './dialect.js';
import { parseStringArray } from './json.js';
import { findRowById } from './rows.js';
import type { SsfChangeRow, SsfEventRow, SsfStreamRow } from './ssf-tables.js';

/** One change of the log, as the SETs it becomes will tell it. */
export interface ChangeRecord {
  seq: number;
  txn: string;
  events: unknown;
  created: string;
}

/**
 * The advisory lock every writer of a change holds, shared, from before its seq is handed out
 * until it commits; whoever gets it exclusively knows no change is in flight (see
 * changeWritersIdle).
 */
const CHANGE_WRITERS = 'ssf-change-writers';

/**
 * The stream (aliased `s`) belongs to a live PAT of an active identity: not deleted or revoked,
 * not expired at `now` (docs/rules.md, "Lifecycle"). A stream whose PAT ended takes, serves and
 * pushes nothing from the instant the PAT-ending transaction commits, whichever path ended it.
 */
export function ownerLive(now: string): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from personal_access_tokens p inner join identities o on o.id = p.owner_id where p.id = s.client_id and p.deleted_at is null and (p.expiration_date is null or p.expiration_date > ${now}) and o.status = 'ACTIVE')`;
}

/** A stream as stored; the push Authorization header stays sealed (see ssf/stream-service.ts). */
export interface StreamRecord {
  id: string;
  clientId: string;
  audience: string;
  eventsRequested: string[];
  deliveryMethod: string;
  endpointUrl: string | null;
  authorizationHeaderEnc: string | null;
  description: string | null;
  status: string;
  statusReason: string | null;
  lastVerification: string | null;
  /** When the receiver was last heard from, to the minute (`inactivity_timeout`). */
  lastActivityAt: string | null;
  created: string;
  modified: string;
}

/** A stream as an administrator lists it: whether its owning PAT is still live, and whose. */
export interface AdminStreamRecord extends StreamRecord {
  ownerId: string | null;
  ownerLive: boolean;
}

export interface NewSsfEvent {
  streamId: string;
  jti: string;
  eventType: string;
  setJwt: string;
  created: string;
  /** Push: when the first attempt is due; poll: null. */
  nextAttemptAt: string | null;
}

/** A stream the housekeeping found silent past the inactivity timeout. */
export interface IdleStreamRecord {
  id: string;
  clientId: string;
  deliveryMethod: string;
  /** When its receiver was last heard from (its creation, if never since). */
  lastActivityAt: string;
}

/** A SET due to be pushed. */
export interface DuePush {
  seq: number;
  streamId: string;
  jti: string;
  setJwt: string;
  attempts: number;
}

function toRecord(row: SsfStreamRow): StreamRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    audience: row.audience,
    eventsRequested: parseStringArray(row.events_requested),
    deliveryMethod: row.delivery_method,
    endpointUrl: row.endpoint_url,
    authorizationHeaderEnc: row.authorization_header_enc,
    description: row.description,
    status: row.status,
    statusReason: row.status_reason,
    lastVerification: row.last_verification,
    lastActivityAt: row.last_activity_at,
    created: row.created,
    modified: row.modified,
  };
}

function toChange(row: SsfChangeRow): ChangeRecord {
  return {
    seq: row.seq,
    txn: row.txn,
    events: JSON.parse(row.events) as unknown,
    created: row.created,
  };
}

/** Streams, their removed subjects and their queued SETs: the only SQL of the transmitter. */
export class SsfRepository {
  constructor(private readonly db: Db) {}

  /**
   * Makes the stream, its cursor at the head of the change log: it is told of changes from now
   * on (a change committing at the same moment may or may not be among them).
   */
  async insertStream(stream: StreamRecord): Promise<void> {
    const head = await this.#head();
    await this.db
      .insertInto('ssf_streams')
      .values({
        cursor_seq: head,
        id: stream.id,
        client_id: stream.clientId,
        audience: stream.audience,
        events_requested: JSON.stringify(stream.eventsRequested),
        delivery_method: stream.deliveryMethod,
        endpoint_url: stream.endpointUrl,
        authorization_header_enc: stream.authorizationHeaderEnc,
        description: stream.description,
        status: stream.status,
        status_reason: stream.statusReason,
        last_verification: stream.lastVerification,
        last_activity_at: stream.lastActivityAt ?? stream.created,
        created: stream.created,
        modified: stream.modified,
      })
      .execute();
  }

  /** Where the stream stands in the change log: the seq of the last change it took. */
  async cursorOf(id: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('ssf_streams')
      .select('cursor_seq')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.cursor_seq;
  }

  async findStream(id: string): Promise<StreamRecord | undefined> {
    const row = await findRowById(this.db, 'ssf_streams', id);
    return row && toRecord(row);
  }

  /** Every stream, oldest first; or those of one client. */
  async listStreams(clientId?: string): Promise<StreamRecord[]> {
    let query = this.db.selectFrom('ssf_streams').selectAll().orderBy('created').orderBy('id');
    if (clientId !== undefined) query = query.where('client_id', '=', clientId);
    return (await query.execute()).map(toRecord);
  }

  /** Every stream, or those of one client. */
  async countStreams(clientId?: string): Promise<number> {
    let query = this.db
      .selectFrom('ssf_streams')
      .select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (clientId !== undefined) query = query.where('client_id', '=', clientId);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Serialises stream creation until the transaction ends, so two creates cannot both pass the
   * stream limits (PostgreSQL; SQLite's write transaction already excludes other writers).
   */
  async lockStreams(): Promise<void> {
    await lockForTransaction(this.db, 'ssf-streams');
  }

  /** A page of every stream, oldest first, with whether its owner is live at `now`. */
  async listForAdmin(page: {
    now: string;
    limit: number;
    offset: number;
    withTotal: boolean;
  }): Promise<{ items: AdminStreamRecord[]; total: number | undefined }> {
    const rows = await this.db
      .selectFrom('ssf_streams as s')
      .leftJoin('personal_access_tokens as p', 'p.id', 's.client_id')
      .selectAll('s')
      .select(['p.owner_id'])
      .select(sql<number>`case when ${ownerLive(page.now)} then 1 else 0 end`.as('owner_live'))
      .orderBy('s.created')
      .orderBy('s.id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const items = rows.map((row) => ({
      ...toRecord(row),
      ownerId: row.owner_id,
      ownerLive: Number(row.owner_live) === 1,
    }));
    return { items, total: page.withTotal ? await this.countStreams() : undefined };
  }

  /** Whether the stream's owning PAT is live at `now` (see ownerLive). */
  async isOwnerLive(streamId: string, now: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('ssf_streams as s')
      .select('s.id')
      .where('s.id', '=', streamId)
      .where(ownerLive(now))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Deletes the streams that are inert at `now` (their PAT ended, or its identity is disabled),
   * with their SETs and removed subjects; returns how many. Housekeeping: they already take,
   * serve and push nothing (ownerLive).
   */
  async deleteInertStreams(now: string): Promise<number> {
    const rows = await this.db
      .selectFrom('ssf_streams as s')
      .select('s.id')
      .where((eb) => eb.not(ownerLive(now)))
      .execute();
    for (const { id } of rows) await this.deleteStream(id);
    return rows.length;
  }

  /**
   * Records that the stream's receiver was heard from at `now`, unless that was already recorded
   * after `notBefore`: one write a minute per stream at most, and none when another node wrote it.
   */
  async touchActivity(touch: { id: string; now: string; notBefore: string }): Promise<boolean> {
    const result = await this.db
      .updateTable('ssf_streams')
      .set({ last_activity_at: touch.now })
      .where('id', '=', touch.id)
      .where((eb) =>
        eb.or([eb('last_activity_at', 'is', null), eb('last_activity_at', '<=', touch.notBefore)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Streams whose receiver has not been heard from since `cutoff` (SSF `inactivity_timeout`).
   * A poll receiver calls in whatever happens, so its silence is enough. A push receiver is only
   * heard from when it takes a SET: it counts as silent only while a SET has been waiting for it
   * since before `cutoff`, so a quiet transmitter never costs a live receiver its stream.
   */
  async idleStreams(cutoff: string, limit: number): Promise<IdleStreamRecord[]> {
    const rows = await this.db
      .selectFrom('ssf_streams as s')
      .select(['s.id', 's.client_id', 's.delivery_method', 's.last_activity_at', 's.created'])
      .where(sql<SqlBool>`coalesce(s.last_activity_at, s.created) < ${cutoff}`)
      .where((eb) =>
        eb.or([
          eb('s.delivery_method', '!=', SSF_DELIVERY_PUSH),
          eb.exists(
            eb
              .selectFrom('ssf_events as e')
              .select('e.seq')
              .whereRef('e.stream_id', '=', 's.id')
              .where('e.acked_at', 'is', null)
              .where('e.created', '<', cutoff),
          ),
        ]),
      )
      .orderBy('s.id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      clientId: row.client_id,
      deliveryMethod: row.delivery_method,
      lastActivityAt: row.last_activity_at ?? row.created,
    }));
  }

  /**
   * Deletes the stream when it is still silent since `cutoff` (a poll that came meanwhile keeps
   * it); in the caller's transaction. Returns whether it was deleted.
   */
  async deleteIfIdle(id: string, cutoff: string): Promise<boolean> {
    // One statement decides, so a poll recording activity at the same moment either lands first
    // (the stream stays) or finds the stream gone.
    const result = await this.db
      .deleteFrom('ssf_streams')
      .where('id', '=', id)
      .where(sql<SqlBool>`coalesce(last_activity_at, created) < ${cutoff}`)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('ssf_events').where('stream_id', '=', id).execute();
    await this.db.deleteFrom('ssf_removed_subjects').where('stream_id', '=', id).execute();
    return true;
  }

  async updateStream(
    id: string,
    changes: Partial<
      Pick<
        StreamRecord,
        | 'eventsRequested'
        | 'deliveryMethod'
        | 'endpointUrl'
        | 'authorizationHeaderEnc'
        | 'description'
        | 'status'
        | 'statusReason'
        | 'lastVerification'
      >
    > & { modified: string },
  ): Promise<void> {
    await this.db
      .updateTable('ssf_streams')
      .set({
        ...(changes.eventsRequested && {
          events_requested: JSON.stringify(changes.eventsRequested),
        }),
        ...(changes.deliveryMethod !== undefined && { delivery_method: changes.deliveryMethod }),
        ...(changes.endpointUrl !== undefined && { endpoint_url: changes.endpointUrl }),
        ...(changes.authorizationHeaderEnc !== undefined && {
          authorization_header_enc: changes.authorizationHeaderEnc,
        }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.statusReason !== undefined && { status_reason: changes.statusReason }),
        ...(changes.lastVerification !== undefined && {
          last_verification: changes.lastVerification,
        }),
        modified: changes.modified,
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Claims the right to send a verification event: sets last_verification to `now` only when the
   * previous one was at or before `notAfter`, in one statement, so two nodes cannot both pass.
   */
  async claimVerification(claim: { id: string; now: string; notAfter: string }): Promise<boolean> {
    const result = await this.db
      .updateTable('ssf_streams')
      .set({ last_verification: claim.now })
      .where('id', '=', claim.id)
      .where((eb) =>
        eb.or([eb('last_verification', 'is', null), eb('last_verification', '<=', claim.notAfter)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteStream(id: string): Promise<void> {
    await this.db.deleteFrom('ssf_events').where('stream_id', '=', id).execute();
    await this.db.deleteFrom('ssf_removed_subjects').where('stream_id', '=', id).execute();
    await this.db.deleteFrom('ssf_streams').where('id', '=', id).execute();
  }

  async removeSubject(removal: {
    streamId: string;
    subjectKey: string;
    now: string;
  }): Promise<void> {
    await this.db
      .insertInto('ssf_removed_subjects')
      .values({
        stream_id: removal.streamId,
        subject_key: removal.subjectKey,
        created: removal.now,
      })
      .onConflict((oc) => oc.columns(['stream_id', 'subject_key']).doNothing())
      .execute();
  }

  async addSubject(streamId: string, subjectKey: string): Promise<void> {
    await this.db
      .deleteFrom('ssf_removed_subjects')
      .where('stream_id', '=', streamId)
      .where('subject_key', '=', subjectKey)
      .execute();
  }

  /** Which of `subjectKeys` the stream removed. */
  async removedSubjects(streamId: string, subjectKeys: string[]): Promise<Set<string>> {
    if (subjectKeys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('ssf_removed_subjects')
      .select('subject_key')
      .where('stream_id', '=', streamId)
      .where('subject_key', 'in', subjectKeys)
      .execute();
    return new Set(rows.map((r) => r.subject_key));
  }

  /** Appends one change to the log, in the caller's transaction. */
  async insertChange(change: { txn: string; events: unknown; created: string }): Promise<void> {
    if (dialectOf(this.db) === 'postgres') {
      await sql`select pg_advisory_xact_lock_shared(${advisoryKey(CHANGE_WRITERS)})`.execute(
        this.db,
      );
    }
    await this.db
      .insertInto('ssf_changes')
      .values({
        txn: change.txn,
        events: JSON.stringify(change.events),
        created: change.created,
      })
      .execute();
  }

  /** Up to `limit` committed changes after seq `cursor`, oldest first. */
  async changesAfter(cursor: number, limit: number): Promise<ChangeRecord[]> {
    const rows = await this.db
      .selectFrom('ssf_changes')
      .selectAll()
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toChange);
  }

  /**
   * Whether no change is being written right now. PostgreSQL hands out seqs at insert and
   * commits in any order: a missing seq is either rolled back or still in flight, and only this
   * tells them apart (every writer holds the shared lock until it commits). Run in a
   * transaction of its own: the exclusive lock is held until it ends. SQLite has one writer, in
   * seq order, and rolls a seq back with its row: a missing seq there is never in flight.
   */
  async changeWritersIdle(): Promise<boolean> {
    if (dialectOf(this.db) !== 'postgres') return true;
    const { rows } = await sql<{
      idle: boolean;
    }>`select pg_try_advisory_xact_lock(${advisoryKey(CHANGE_WRITERS)}) as idle`.execute(this.db);
    return rows[0]?.idle === true;
  }

  /**
   * Moves a stream's cursor from `from` to `to`; false when it was no longer at `from` (another
   * poll or node took those changes first).
   */
  async advanceCursor(streamId: string, from: number, to: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ssf_streams')
      .set({ cursor_seq: to })
      .where('id', '=', streamId)
      .where('cursor_seq', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Enabled push streams of live owners with changes they have not taken yet: the push
   * feeder's work.
   */
  async pushStreamsBehind(now: string, limit: number): Promise<StreamRecord[]> {
    const rows = await this.db
      .selectFrom('ssf_streams as s')
      .selectAll('s')
      .where('s.delivery_method', '=', SSF_DELIVERY_PUSH)
      .where('s.status', '=', 'enabled')
      .where(ownerLive(now))
      .where((eb) =>
        eb.exists(
          eb.selectFrom('ssf_changes as c').select('c.seq').whereRef('c.seq', '>', 's.cursor_seq'),
        ),
      )
      .orderBy('s.id')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** The stream skips every change logged so far (a disabled stream holds none). */
  async moveCursorToHead(streamId: string): Promise<void> {
    const head = await this.#head();
    await this.db
      .updateTable('ssf_streams')
      .set({ cursor_seq: head })
      .where('id', '=', streamId)
      .execute();
  }

  /** The newest committed change's seq (0 for none): a cursor there has passed every change. */
  async #head(): Promise<number> {
    const row = await this.db
      .selectFrom('ssf_changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async insertEvents(events: NewSsfEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('ssf_events')
      .values(
        events.map((e) => ({
          stream_id: e.streamId,
          jti: e.jti,
          event_type: e.eventType,
          set_jwt: e.setJwt,
          created: e.created,
          acked_at: null,
          attempts: 0,
          next_attempt_at: e.nextAttemptAt,
          last_error: null,
        })),
      )
      .execute();
  }

  /**
   * Up to `limit` unacknowledged SETs of a stream, oldest first, and whether more wait. Not
   * locked: RFC 8936 §2.4 lets a SET be sent again until it is acknowledged.
   */
  async pending(
    streamId: string,
    limit: number,
  ): Promise<{ events: Pick<SsfEventRow, 'jti' | 'set_jwt'>[]; more: boolean }> {
    const rows = await this.db
      .selectFrom('ssf_events')
      .select(['jti', 'set_jwt'])
      .where('stream_id', '=', streamId)
      .where('acked_at', 'is', null)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    return { events: rows.slice(0, limit), more: rows.length > limit };
  }

  async hasPending(streamId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('ssf_events')
      .select('seq')
      .where('stream_id', '=', streamId)
      .where('acked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Marks SETs of one stream acknowledged (a jti of another stream is left alone). */
  async ack(streamId: string, jtis: string[], now: string): Promise<void> {
    if (jtis.length === 0) return;
    await this.db
      .updateTable('ssf_events')
      .set({ acked_at: now })
      .where('stream_id', '=', streamId)
      .where('jti', 'in', jtis)
      .where('acked_at', 'is', null)
      .execute();
  }

  /**
   * Push streams whose next SET is due at `now`, oldest first, leaving out `excluding` (the streams
   * this node is already pushing to). A stream's next SET is its oldest one still to be pushed
   * (not delivered, not given up): a stream waits on it, so a SET tried again later holds back
   * the SETs after it, and a stream's SETs arrive in order.
   */
  async duePushStreams(
    now: string,
    limit: number,
    excluding: readonly string[],
  ): Promise<string[]> {
    let query = this.db
      .selectFrom('ssf_events as e')
      .innerJoin('ssf_streams as s', 's.id', 'e.stream_id')
      .select('e.stream_id')
      .where('s.delivery_method', '=', SSF_DELIVERY_PUSH)
      .where('s.status', '=', 'enabled')
      .where(ownerLive(now))
      .where('e.acked_at', 'is', null)
      .where('e.next_attempt_at', 'is not', null)
      .where('e.next_attempt_at', '<=', now)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('ssf_events as earlier')
              .select('earlier.seq')
              .whereRef('earlier.stream_id', '=', 'e.stream_id')
              .where('earlier.acked_at', 'is', null)
              .where('earlier.next_attempt_at', 'is not', null)
              .whereRef('earlier.seq', '<', 'e.seq'),
          ),
        ),
      )
      .orderBy('e.seq')
      .limit(limit);
    if (excluding.length > 0) query = query.where('e.stream_id', 'not in', [...excluding]);
    return (await query.execute()).map((r) => r.stream_id);
  }

  /**
   * Claims a push stream's next SETs, in order, when the first is due: each is leased until
   * `leaseUntil`, so no other node takes the stream meanwhile. Run in a transaction: on
   * PostgreSQL the stream's row is locked (SKIP LOCKED) while the claim is made, so two nodes
   * claiming at once cannot both take it; the one that waited finds the lease and takes nothing.
   */
  async claimPushes(
    streamId: string,
    claim: { now: string; leaseUntil: string; limit: number },
  ): Promise<DuePush[]> {
    let stream = this.db
      .selectFrom('ssf_streams as s')
      .select('s.id')
      .where('s.id', '=', streamId)
      .where('s.delivery_method', '=', SSF_DELIVERY_PUSH)
      .where('s.status', '=', 'enabled')
      .where(ownerLive(claim.now));
    if (supportsRowLocks(this.db)) stream = stream.forUpdate('s').skipLocked();
    if (!(await stream.executeTakeFirst())) return [];
    const rows = await this.db
      .selectFrom('ssf_events')
      .select(['seq', 'stream_id', 'jti', 'set_jwt', 'attempts', 'next_attempt_at'])
      .where('stream_id', '=', streamId)
      .where('acked_at', 'is', null)
      .where('next_attempt_at', 'is not', null)
      .orderBy('seq')
      .limit(claim.limit)
      .execute();
    const first = rows[0];
    if (!first || first.next_attempt_at! > claim.now) return [];
    await this.lease(
      rows.map((r) => r.seq),
      claim.leaseUntil,
    );
    return rows.map((r) => ({
      seq: r.seq,
      streamId: r.stream_id,
      jti: r.jti,
      setJwt: r.set_jwt,
      attempts: r.attempts,
    }));
  }

  /** Claimed SETs are not due again until `until` (a node that dies mid-send is covered). */
  async lease(seqs: number[], until: string): Promise<void> {
    if (seqs.length === 0) return;
    await this.db
      .updateTable('ssf_events')
      .set({ next_attempt_at: until })
      .where('seq', 'in', seqs)
      .execute();
  }

  /** After an attempt: delivered (acked), tried again at `nextAttemptAt`, or given up (null). */
  async recordAttempt(
    seq: number,
    outcome: { deliveredAt: string | null; nextAttemptAt: string | null; error: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('ssf_events')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        acked_at: outcome.deliveredAt,
        next_attempt_at: outcome.nextAttemptAt,
        last_error: outcome.error?.slice(0, 256) ?? null,
      }))
      .where('seq', '=', seq)
      .execute();
  }

  /**
   * Drops SETs and changes created before `before`, delivered or not
   * (`ssf.eventRetentionDays`); returns how many SETs.
   */
  async prune(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('ssf_events')
      .where('created', '<', before)
      .executeTakeFirst();
    await this.db.deleteFrom('ssf_changes').where('created', '<', before).execute();
    return Number(result.numDeletedRows);
  }
}
