import { sql, type Expression, type SqlBool } from 'kysely';
import type { FilterExpr } from '../pats/filter.js';
import type { PatSort } from '../pats/model.js';
import type { Db } from './database.js';
import { patFilterToSql, type PatFilterContext, type PatQueryBuilder } from './pat-filter-sql.js';
import { patsWithOwners, selectPats } from './pats-with-owners.js';

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

/** The values a list query binds: real ones, or CompiledStatement's markers. */
export interface ListValues {
  /** Ignored unless the query has an ownerId. */
  ownerId: string;
}

const SORT_COLUMNS = {
  name: 'p.name',
  created: 'p.created',
  lastUsed: 'p.last_used',
  expirationDate: 'p.expiration_date',
} as const;

function listWhere(query: PatListQuery, values: ListValues) {
  return (eb: PatQueryBuilder) => {
    const conditions: Expression<SqlBool>[] = [eb('p.deleted_at', 'is', null)];
    if (query.ownerId !== undefined) conditions.push(eb('p.owner_id', '=', values.ownerId));
    if (!query.includeManaged) conditions.push(eb('p.managed', '=', 0));
    if (query.filter) conditions.push(patFilterToSql(eb, query.filter, query.filterContext));
    return eb.and(conditions);
  };
}

/** One page of the list, sorted. */
export function selectList(db: Db, query: PatListQuery, values: ListValues) {
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

/** How many PATs the list matches, ignoring paging. */
export function countList(db: Db, query: PatListQuery, values: ListValues) {
  return patsWithOwners(db)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(listWhere(query, values));
}
