import type { IdentityStatus } from '@patina/contract';
import type { RecordChange } from './change-feed.js';
import type { Db } from './database.js';
import { parseStringArray } from './json.js';

export type ConsoleSignInMethod = 'PAT' | 'SSO';

/** Why a session ended before its time. */
export type ConsoleSessionEnd = 'SIGNED_OUT' | 'IDLE' | 'IDENTITY_DISABLED' | 'CREDENTIAL_INVALID';

export interface NewConsoleSession {
  id: string;
  tokenDigest: string;
  csrfToken: string;
  identityId: string;
  method: ConsoleSignInMethod;
  patId: string | null;
  accessTokenSealed: string | null;
  created: string;
  expiresAt: string;
  sourceIp: string | null;
  userAgent: string | null;
}

/** A session with its identity as it is now, in one read. */
export interface ConsoleSessionRecord {
  id: string;
  csrfToken: string;
  method: ConsoleSignInMethod;
  patId: string | null;
  accessTokenSealed: string | null;
  created: string;
  lastSeen: string;
  expiresAt: string;
  revokedAt: string | null;
  identity: {
    id: string;
    login: string;
    name: string;
    status: IdentityStatus;
    roles: string[];
    rights: string[];
  };
}

export class ConsoleSessionsRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(session: NewConsoleSession): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        id: session.id,
        token_digest: session.tokenDigest,
        csrf_token: session.csrfToken,
        identity_id: session.identityId,
        method: session.method,
        pat_id: session.patId,
        access_token_sealed: session.accessTokenSealed,
        created: session.created,
        last_seen: session.created,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoked_reason: null,
        source_ip: session.sourceIp,
        user_agent: session.userAgent,
      })
      .execute();
  }

  findByDigest(tokenDigest: string): Promise<ConsoleSessionRecord | undefined> {
    return this.#find('s.token_digest', tokenDigest);
  }

  findById(id: string): Promise<ConsoleSessionRecord | undefined> {
    return this.#find('s.id', id);
  }

  async #find(
    column: 's.token_digest' | 's.id',
    value: string,
  ): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('console_sessions as s')
      .innerJoin('identities as i', 'i.id', 's.identity_id')
      .select([
        's.id',
        's.csrf_token',
        's.method',
        's.pat_id',
        's.access_token_sealed',
        's.created',
        's.last_seen',
        's.expires_at',
        's.revoked_at',
        'i.id as identity_id',
        'i.login',
        'i.name',
        'i.status',
        'i.roles',
        'i.rights',
      ])
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      csrfToken: row.csrf_token,
      method: row.method,
      patId: row.pat_id,
      accessTokenSealed: row.access_token_sealed,
      created: row.created,
      lastSeen: row.last_seen,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      identity: {
        id: row.identity_id,
        login: row.login,
        name: row.name,
        status: row.status,
        roles: parseStringArray(row.roles),
        rights: parseStringArray(row.rights),
      },
    };
  }

  /** Notes activity; only moves last_seen forward, so two nodes cannot move it back. */
  async touch(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('console_sessions')
      .set({ last_seen: at })
      .where('id', '=', id)
      .where('last_seen', '<', at)
      .execute();
  }

  /**
   * Ends a session. Its id is the client_id of the access tokens minted for it, so the bearer
   * check's caches on every node hear of it as they hear of a deleted PAT.
   */
  async revoke(id: string, at: string, reason: ConsoleSessionEnd): Promise<boolean> {
    const result = await this.db
      .updateTable('console_sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.record({ kind: 'pat', id });
    return Number(result.numUpdatedRows) > 0;
  }

  /** Drops sessions that ended (expired or revoked) before `before`. */
  async prune(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
