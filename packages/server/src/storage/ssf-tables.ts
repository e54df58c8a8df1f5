import type { Generated, Selectable } from 'kysely';

/**
 * The Shared Signals transmitter's tables (migration 0006_ssf); conventions as in tables.ts, where
 * `ssf_signing_keys` is declared beside `signing_keys`, whose columns it shares.
 */
export interface SsfStreamsTable {
  id: string;
  /** The PAT (client id) whose access token made the stream. */
  client_id: string;
  audience: string;
  events_requested: string; // JSON array of event type URIs
  delivery_method: string;
  /** Push: the receiver's URL. Poll: null (Patina's own poll URL is derived from the id). */
  endpoint_url: string | null;
  /** Push: the Authorization header to send, AES-256-GCM under the master key; never answered. */
  authorization_header_enc: string | null;
  description: string | null;
  status: string;
  status_reason: string | null;
  last_verification: string | null;
  created: string;
  modified: string;
  /** The seq of the last change of ssf_changes the stream has taken (migration 0010). */
  cursor_seq: Generated<number>;
  /**
   * When the receiver was last heard from, to the minute (migration 0011): SSF
   * `inactivity_timeout`. Null only for a row written by a node older than 0011.
   */
  last_activity_at: string | null;
}

/**
 * One change told to receivers (migration 0010), whatever the number of streams; each stream
 * turns it into SETs of its own when it is read (poll) or fed (push).
 */
export interface SsfChangesTable {
  seq: Generated<number>;
  /** The audit event's id: RFC 8417 `txn` of every SET told of this change. */
  txn: string;
  events: string; // JSON array of { type, subject, payload }
  created: string;
}

export interface SsfRemovedSubjectsTable {
  stream_id: string;
  subject_key: string;
  created: string;
}

export interface SsfEventsTable {
  seq: Generated<number>;
  stream_id: string;
  jti: string;
  event_type: string;
  set_jwt: string;
  created: string;
  acked_at: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface SsfTables {
  ssf_streams: SsfStreamsTable;
  ssf_removed_subjects: SsfRemovedSubjectsTable;
  ssf_events: SsfEventsTable;
  ssf_changes: SsfChangesTable;
}

export type SsfStreamRow = Selectable<SsfStreamsTable>;
export type SsfEventRow = Selectable<SsfEventsTable>;
export type SsfChangeRow = Selectable<SsfChangesTable>;
