import type { Db } from './database.js';
import { supportsRowLocks } from './dialect.js';
import { parseStringArray } from './json.js';
import type { SsfEventRow, SsfStreamRow } from './ssf-tables.js';

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
  created: string;
  modified: string;
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
    created: row.created,
    modified: row.modified,
  };
}

/** Streams, their removed subjects and their queued SETs: the only SQL of the transmitter. */
export class SsfRepository {
  constructor(private readonly db: Db) {}

  async insertStream(stream: StreamRecord): Promise<void> {
    await this.db
      .insertInto('ssf_streams')
      .values({
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
        created: stream.created,
        modified: stream.modified,
      })
      .execute();
  }

  async findStream(id: string): Promise<StreamRecord | undefined> {
    const row = await this.db
      .selectFrom('ssf_streams')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every stream, oldest first; or those of one client. */
  async listStreams(clientId?: string): Promise<StreamRecord[]> {
    let query = this.db.selectFrom('ssf_streams').selectAll().orderBy('created').orderBy('id');
    if (clientId !== undefined) query = query.where('client_id', '=', clientId);
    return (await query.execute()).map(toRecord);
  }

  async countStreams(): Promise<number> {
    const row = await this.db
      .selectFrom('ssf_streams')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The streams that take events now: enabled ones (paused ones hold them, SSF 1.0 §8.1.2). */
  async streamsTakingEvents(): Promise<StreamRecord[]> {
    const rows = await this.db
      .selectFrom('ssf_streams')
      .selectAll()
      .where('status', 'in', ['enabled', 'paused'])
      .execute();
    return rows.map(toRecord);
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
  async claimVerification(id: string, now: string, notAfter: string): Promise<boolean> {
    const result = await this.db
      .updateTable('ssf_streams')
      .set({ last_verification: now })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([eb('last_verification', 'is', null), eb('last_verification', '<=', notAfter)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteStream(id: string): Promise<void> {
    await this.db.deleteFrom('ssf_events').where('stream_id', '=', id).execute();
    await this.db.deleteFrom('ssf_removed_subjects').where('stream_id', '=', id).execute();
    await this.db.deleteFrom('ssf_streams').where('id', '=', id).execute();
  }

  async removeSubject(streamId: string, subjectKey: string, now: string): Promise<void> {
    await this.db
      .insertInto('ssf_removed_subjects')
      .values({ stream_id: streamId, subject_key: subjectKey, created: now })
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

  /** The streams, among `streamIds`, that removed any of `subjectKeys`. */
  async streamsWithout(streamIds: string[], subjectKeys: string[]): Promise<Set<string>> {
    if (streamIds.length === 0 || subjectKeys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('ssf_removed_subjects')
      .select('stream_id')
      .where('stream_id', 'in', streamIds)
      .where('subject_key', 'in', subjectKeys)
      .execute();
    return new Set(rows.map((r) => r.stream_id));
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
   * Push SETs whose attempt is due, of enabled push streams, oldest first; on PostgreSQL the rows
   * stay locked until the caller's transaction ends, so two nodes never send the same one at once.
   */
  async duePushes(now: string, limit: number): Promise<DuePush[]> {
    let query = this.db
      .selectFrom('ssf_events as e')
      .innerJoin('ssf_streams as s', 's.id', 'e.stream_id')
      .select(['e.seq', 'e.stream_id', 'e.jti', 'e.set_jwt', 'e.attempts'])
      .where('e.acked_at', 'is', null)
      .where('e.next_attempt_at', 'is not', null)
      .where('e.next_attempt_at', '<=', now)
      .where('s.status', '=', 'enabled')
      .orderBy('e.seq')
      .limit(limit);
    if (supportsRowLocks(this.db)) query = query.forUpdate('e').skipLocked();
    const rows = await query.execute();
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

  /** The earliest push attempt due after now, to sleep until then. */
  async nextPushAt(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('ssf_events')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('acked_at', 'is', null)
      .where('next_attempt_at', 'is not', null)
      .executeTakeFirst();
    return row?.at ?? undefined;
  }

  /** Drops SETs created before `before`, delivered or not (`ssf.eventRetentionDays`). */
  async prune(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('ssf_events')
      .where('created', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
