import type { PatRevocationReason } from '@patina/contract';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { FilterExpr } from '../pats/filter.js';
import type { PatCredentialRecord, PatSort, PersonalAccessToken } from '../pats/model.js';
import type { Db } from './database.js';
import type { RecordChange } from './change-feed.js';
import { CompiledStatement, type Param } from './compiled.js';
import { updateLivePat } from './live-pat-update.js';
import { parseStringArray } from './json.js';
import { patFilterToSql, type PatFilterContext, type PatQueryBuilder } from './pat-filter-sql.js';

export interface NewPat {
  id: string;
  ownerId: string;
  name: string;
  scope: string[];
  secretDigest: string;
  digestVersion: number;
  created: string;
  managed: boolean;
  accessTokenValiditySeconds: number;
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
  description?: string;
  allowedCidrs?: string[] | null;
}

export interface PatChanges {
  name?: string;
  scope?: string[];
  expirationDate?: string | null;
  userAwareTokenNeverExpires?: boolean;
  description?: string;
  allowedCidrs?: string[] | null;
}

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

export interface PatListQuery {
  /** Only this owner's PATs; all owners when undefined. */
  ownerId?: string;
  includeManaged: boolean;
  filter?: FilterExpr;
  /** What `status` in a filter is measured against; required to filter on it. */
  filterContext?: PatFilterContext;
  sort: PatSort[];
  limit: number;
  offset: number;
  /** Also count every match, ignoring paging (`count=true`); a second query, so only on request. */
  withTotal: boolean;
}

const SORT_COLUMNS = {
  name: 'p.name',
  created: 'p.created',
  lastUsed: 'p.last_used',
  expirationDate: 'p.expiration_date',
} as const;

/** The credential check's one read (every exchange; the bearer check when its cache misses). */
const FIND_CREDENTIAL = new CompiledStatement((db, p: Param<{ id: string }>) =>
  db
    .selectFrom('personal_access_tokens as p')
    .innerJoin('identities as o', 'o.id', 'p.owner_id')
    .select([
      'p.id',
      'p.owner_id',
      'p.name',
      'p.scope',
      'p.secret_digest',
      'p.digest_version',
      'p.last_used',
      'p.access_token_validity_seconds',
      'p.expiration_date',
      'p.deleted_at',
      'p.revoked_reason',
      'p.previous_secret_digest',
      'p.previous_digest_version',
      'p.previous_secret_valid_until',
      'p.rotated_at',
      'p.tokens_not_before',
      'p.allowed_cidrs',
      'o.login as owner_login',
      'o.name as owner_name',
      'o.status as owner_status',
      'o.roles as owner_roles',
      'o.rights as owner_rights',
      'o.disabled_at as owner_disabled_at',
    ])
    .where('p.id', '=', p('id')),
);

export class PatsRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(pat: NewPat): Promise<void> {
    await this.db
      .insertInto('personal_access_tokens')
      .values({
        id: pat.id,
        owner_id: pat.ownerId,
        name: pat.name,
        scope: JSON.stringify(pat.scope),
        secret_digest: pat.secretDigest,
        digest_version: pat.digestVersion,
        created: pat.created,
        last_used: null,
        managed: pat.managed ? 1 : 0,
        access_token_validity_seconds: pat.accessTokenValiditySeconds,
        expiration_date: pat.expirationDate,
        user_aware_token_never_expires: pat.userAwareTokenNeverExpires ? 1 : 0,
        deleted_at: null,
        expiry_recorded_at: null,
        description: pat.description ?? '',
        allowed_cidrs: pat.allowedCidrs ? JSON.stringify(pat.allowedCidrs) : null,
      })
      .execute();
  }

  async countLive(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('personal_access_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async nameTaken(ownerId: string, name: string, exceptId?: string): Promise<boolean> {
    let query = this.db
      .selectFrom('personal_access_tokens')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** A live (not deleted) PAT with its owner's name. */
  async findLive(id: string): Promise<PersonalAccessToken | undefined> {
    const row = await selectPats(this.db)
      .where('p.id', '=', id)
      .where('p.deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toPat(row);
  }

  async list(
    query: PatListQuery,
  ): Promise<{ items: PersonalAccessToken[]; total: number | undefined }> {
    const values = { ownerId: query.ownerId ?? '' };
    // A filter changes the query's shape with every request; the plain lists (an owner's PATs,
    // all PATs, sorted) are a handful of shapes, each compiled once.
    const statements = query.filter ? undefined : listStatements(query);
    const rows = statements
      ? await statements.rows.execute(this.db, values)
      : await selectList(this.db, query, values).execute();
    if (!query.withTotal) return { items: rows.map(toPat), total: undefined };
    const [total] = statements
      ? await statements.count.execute(this.db, values)
      : [await countList(this.db, query, values).executeTakeFirstOrThrow()];
    return { items: rows.map(toPat), total: Number(total!.n) };
  }

  async update(id: string, changes: PatChanges): Promise<void> {
    await updateLivePat(this.db, this.record, id, (update) =>
      update.set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.scope !== undefined && { scope: JSON.stringify(changes.scope) }),
        ...(changes.expirationDate !== undefined && {
          expiration_date: changes.expirationDate,
          // A new expiry is a new chance to expire: the _EXPIRED event may be recorded again.
          expiry_recorded_at: null,
        }),
        ...(changes.userAwareTokenNeverExpires !== undefined && {
          user_aware_token_never_expires: changes.userAwareTokenNeverExpires ? 1 : 0,
        }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.allowedCidrs !== undefined && {
          allowed_cidrs: changes.allowedCidrs ? JSON.stringify(changes.allowedCidrs) : null,
        }),
      }),
    );
  }

  markDeleted(id: string, now: string): Promise<boolean> {
    return updateLivePat(this.db, this.record, id, (update) => update.set({ deleted_at: now }));
  }

  /** The credential check's one read: PAT, digest and owner, deleted or not. */
  async findCredential(id: string): Promise<PatCredentialRecord | undefined> {
    const [row] = await FIND_CREDENTIAL.execute(this.db, { id });
    if (!row) return undefined;
    return {
      id: row.id,
      ownerId: row.owner_id,
      ownerLogin: row.owner_login,
      ownerName: row.owner_name,
      ownerStatus: row.owner_status,
      ownerRoles: parseStringArray(row.owner_roles),
      ownerRights: parseStringArray(row.owner_rights),
      ownerDisabledAt: row.owner_disabled_at,
      name: row.name,
      scope: parseStringArray(row.scope),
      secretDigest: row.secret_digest,
      digestVersion: row.digest_version,
      previousSecret:
        row.previous_secret_digest === null
          ? null
          : {
              digest: row.previous_secret_digest,
              version: row.previous_digest_version ?? 1,
              validUntil: row.previous_secret_valid_until,
            },
      rotatedAt: row.rotated_at,
      tokensNotBefore: row.tokens_not_before,
      allowedCidrs: parseCidrs(row.allowed_cidrs),
      lastUsed: row.last_used,
      accessTokenValiditySeconds: row.access_token_validity_seconds,
      expirationDate: row.expiration_date,
      deletedAt: row.deleted_at,
      revokedReason: row.revoked_reason as PatRevocationReason | null,
    };
  }

  /**
   * Sets lastUsed to now unless it was set after `notAfter` (SailPoint writes it at most once a
   * day). One conditional UPDATE, so concurrent exchanges write it once. True when it wrote.
   */
  async touchLastUsed(id: string, now: string, notAfter: string): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_access_tokens')
      .set({ last_used: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used', 'is', null), eb('last_used', '<=', notAfter)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Live PATs past their expiry whose _EXPIRED event is not yet recorded. */
  async findNewlyExpired(now: string, limit: number) {
    return this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'owner_id', 'expiration_date'])
      .where('deleted_at', 'is', null)
      .where('expiry_recorded_at', 'is', null)
      .where('expiration_date', '<=', now)
      .orderBy('expiration_date')
      .limit(limit)
      .execute();
  }

  /** Claims the expiry of one PAT for recording; false if another worker claimed it first. */
  async claimExpiry(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_access_tokens')
      .set({ expiry_recorded_at: now })
      .where('id', '=', id)
      .where('expiry_recorded_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function selectPats(db: Db) {
  return db
    .selectFrom('personal_access_tokens as p')
    .innerJoin('identities as o', 'o.id', 'p.owner_id')
    .select([
      'p.id',
      'p.owner_id',
      'o.name as owner_name',
      'p.name',
      'p.scope',
      'p.created',
      'p.last_used',
      'p.managed',
      'p.access_token_validity_seconds',
      'p.expiration_date',
      'p.user_aware_token_never_expires',
      'p.description',
      'p.allowed_cidrs',
      'p.rotated_at',
      'p.previous_secret_valid_until',
    ]);
}

/** The values a list query binds: real ones, or CompiledStatement's markers. */
interface ListValues {
  /** Ignored unless the query has an ownerId. */
  ownerId: string;
}

function listWhere(query: PatListQuery, values: ListValues) {
  return (eb: PatQueryBuilder) => {
    const conditions: Expression<SqlBool>[] = [eb('p.deleted_at', 'is', null)];
    if (query.ownerId !== undefined) conditions.push(eb('p.owner_id', '=', values.ownerId));
    if (!query.includeManaged) conditions.push(eb('p.managed', '=', 0));
    if (query.filter) conditions.push(patFilterToSql(eb, query.filter, query.filterContext));
    return eb.and(conditions);
  };
}

function selectList(db: Db, query: PatListQuery, values: ListValues) {
  let select = selectPats(db).where(listWhere(query, values));
  for (const sort of query.sort) {
    select = select.orderBy(SORT_COLUMNS[sort.field], (ob) =>
      // Nulls last in both directions on both databases (they disagree by default).
      sort.descending ? ob.desc().nullsLast() : ob.asc().nullsLast(),
    );
  }
  // Limit and offset are written into the SQL, not bound: SQLite runs a list with a bound LIMIT
  // about four times slower than with a literal one (docs/benchmarks.md, "Where the CPU goes").
  // Both are checked integers (the API's schema, and again here).
  return select
    .orderBy('p.id')
    .limit(sql.lit(wholeNumber(query.limit)))
    .offset(sql.lit(wholeNumber(query.offset)));
}

function wholeNumber(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`not a whole number: ${n}`);
  return n;
}

function countList(db: Db, query: PatListQuery, values: ListValues) {
  return db
    .selectFrom('personal_access_tokens as p')
    .innerJoin('identities as o', 'o.id', 'p.owner_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(listWhere(query, values));
}

function listStatementsFor(query: PatListQuery) {
  const marked = (p: Param<ListValues>) => ({ ownerId: p('ownerId') });
  return {
    rows: new CompiledStatement((db, p: Param<ListValues>) => selectList(db, query, marked(p))),
    count: new CompiledStatement((db, p: Param<ListValues>) => countList(db, query, marked(p))),
  };
}

type ListStatements = ReturnType<typeof listStatementsFor>;

/**
 * Unfiltered list shapes: owner or not, managed or not, the sort, the page. Most callers ask for
 * the same few; the map is bounded all the same.
 */
const LIST_STATEMENTS = new Map<string, ListStatements>();
const MAX_LIST_SHAPES = 64;

function listStatements(query: PatListQuery): ListStatements {
  const key = [
    query.ownerId === undefined ? 'all' : 'owner',
    query.includeManaged ? 'managed' : 'unmanaged',
    ...query.sort.map((s) => `${s.descending ? '-' : ''}${s.field}`),
    `limit=${query.limit}`,
    `offset=${query.offset}`,
  ].join(' ');
  let statements = LIST_STATEMENTS.get(key);
  if (statements) {
    LIST_STATEMENTS.delete(key);
  } else {
    statements = listStatementsFor({ ...query, filter: undefined });
    if (LIST_STATEMENTS.size >= MAX_LIST_SHAPES) {
      LIST_STATEMENTS.delete(LIST_STATEMENTS.keys().next().value!);
    }
  }
  // Most recently used last: the first is the one to evict.
  LIST_STATEMENTS.set(key, statements);
  return statements;
}

interface PatSelectRow {
  id: string;
  owner_id: string;
  owner_name: string;
  name: string;
  scope: string;
  created: string;
  last_used: string | null;
  managed: number;
  access_token_validity_seconds: number;
  expiration_date: string | null;
  user_aware_token_never_expires: number;
  description: string;
  allowed_cidrs: string | null;
  rotated_at: string | null;
  previous_secret_valid_until: string | null;
}

function toPat(row: PatSelectRow): PersonalAccessToken {
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    name: row.name,
    scope: parseStringArray(row.scope),
    created: row.created,
    lastUsed: row.last_used,
    managed: row.managed === 1,
    accessTokenValiditySeconds: row.access_token_validity_seconds,
    expirationDate: row.expiration_date,
    userAwareTokenNeverExpires: row.user_aware_token_never_expires === 1,
    description: row.description,
    allowedCidrs: parseCidrs(row.allowed_cidrs),
    rotatedAt: row.rotated_at,
    previousSecretValidUntil: row.previous_secret_valid_until,
  };
}

function parseCidrs(text: string | null): string[] | null {
  return text === null ? null : parseStringArray(text);
}
