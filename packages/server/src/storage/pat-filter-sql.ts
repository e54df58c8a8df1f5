import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { FilterExpr } from '../pats/filter.js';
import type { Database } from './tables.js';

export type PatQueryBuilder = ExpressionBuilder<
  Database & { p: Database['personal_access_tokens']; o: Database['identities'] },
  'p' | 'o'
>;

/** What a filter is evaluated against besides the row: `status` depends on the time. */
export interface PatFilterContext {
  /** Now, ISO: a PAT whose expiry is at or before it is EXPIRED. */
  now: string;
  /** Now + policy.expiringSoonDays, ISO: expiring at or before it (and after now) is EXPIRING. */
  expiringBefore: string;
}

/** Date-time fields and their columns; the parser has already made each value canonical ISO. */
const DATE_COLUMNS = {
  lastUsed: 'p.last_used',
  expirationDate: 'p.expiration_date',
  created: 'p.created',
} as const;

const COMPARE_SQL = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * Translates a parsed SailPoint filter over the PAT fields into SQL. Two-valued logic: a
 * comparison with a null column is false (never SQL's unknown), so `not (lastUsed le X)`
 * includes never-used PATs. The parser lets through only the fields and operators of the field
 * table it was given; anything else reaching here is a bug, and throws.
 */
export function patFilterToSql(
  eb: PatQueryBuilder,
  expr: FilterExpr,
  context: PatFilterContext | undefined,
): Expression<SqlBool> {
  const recurse = (item: FilterExpr) => patFilterToSql(eb, item, context);
  switch (expr.kind) {
    case 'and':
      return eb.and(expr.items.map(recurse));
    case 'or':
      return eb.or(expr.items.map(recurse));
    case 'not':
      return eb.not(recurse(expr.item));
    case 'isnull':
      return eb(dateColumn(expr.field), 'is', null);
    case 'present':
      return eb(dateColumn(expr.field), 'is not', null);
    case 'in':
      throw new Error(`Filter operator in has no SQL mapping for ${expr.field}`);
    case 'compare':
      break;
  }
  const { field, op, value } = expr;
  if (field === 'name') {
    if (op === 'eq') return eb('p.name', '=', value);
    if (op === 'co' || op === 'sw') {
      // Case-insensitive in ASCII on both databases: SQLite's lower() folds ASCII only, and so
      // does PostgreSQL's on the C-collated column; the value is folded the same way here.
      const pattern = `${op === 'co' ? '%' : ''}${escapeLike(asciiLower(value))}%`;
      return sql<SqlBool>`lower(${sql.ref('p.name')}) like ${pattern} escape '\\'`;
    }
  } else if (field === 'managed' && op === 'eq') {
    return eb('p.managed', '=', value === 'true' ? 1 : 0);
  } else if (field === 'status' && op === 'eq') {
    return statusToSql(eb, value, context);
  } else if (op !== 'co' && op !== 'sw') {
    const col = dateColumn(field);
    return eb.and([eb(col, 'is not', null), eb(col, COMPARE_SQL[op], value)]);
  }
  throw new Error(`Filter operator ${op} has no SQL mapping for ${field}`);
}

/** docs/rules.md, "The Patina PAT resource": EXPIRED, EXPIRING (within the window), ACTIVE. */
function statusToSql(
  eb: PatQueryBuilder,
  status: string,
  context: PatFilterContext | undefined,
): Expression<SqlBool> {
  if (!context) throw new Error('A status filter needs the time it is measured at');
  const { now, expiringBefore } = context;
  switch (status) {
    case 'EXPIRED':
      return eb.and([eb('p.expiration_date', 'is not', null), eb('p.expiration_date', '<=', now)]);
    case 'EXPIRING':
      return eb.and([
        eb('p.expiration_date', 'is not', null),
        eb('p.expiration_date', '>', now),
        eb('p.expiration_date', '<=', expiringBefore),
      ]);
    case 'ACTIVE':
      return eb.or([
        eb('p.expiration_date', 'is', null),
        eb('p.expiration_date', '>', expiringBefore),
      ]);
    default:
      throw new Error(`Unknown PAT status ${status}`);
  }
}

function dateColumn(field: string): (typeof DATE_COLUMNS)[keyof typeof DATE_COLUMNS] {
  const col = (DATE_COLUMNS as Record<string, (typeof DATE_COLUMNS)[keyof typeof DATE_COLUMNS]>)[
    field
  ];
  if (!col) throw new Error(`Filter field ${field} has no date column`);
  return col;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** LIKE's wildcards and the escape character itself, taken literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
