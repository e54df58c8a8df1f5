import { CompiledStatement, type Param } from './compiled.js';
import { countList, selectList, type ListValues, type PatListQuery } from './pat-list-query.js';

function listStatementsFor(query: PatListQuery) {
  const marked = (p: Param<ListValues>) => ({ ownerId: p('ownerId') });
  return {
    rows: new CompiledStatement((db, p: Param<ListValues>) => selectList(db, query, marked(p))),
    count: new CompiledStatement((db, p: Param<ListValues>) => countList(db, query, marked(p))),
  };
}

export type ListStatements = ReturnType<typeof listStatementsFor>;

/**
 * Unfiltered list shapes: owner or not, managed or not, the sort, the page. Most callers ask for
 * the same few; the map is bounded all the same.
 */
const LIST_STATEMENTS = new Map<string, ListStatements>();
const MAX_LIST_SHAPES = 64;

/**
 * The compiled statements of an unfiltered list's shape (its filter, if any, is ignored),
 * compiled on first use and kept in a small least-recently-used map.
 */
export function listStatements(query: PatListQuery): ListStatements {
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
