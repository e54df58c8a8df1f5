import type { RequestOptions } from './http.js';

/** The paging every list takes: `limit` 0..250 (default 250) and `offset`. */
export interface PageOptions extends RequestOptions {
  limit?: number;
  offset?: number;
}

/** Most items the server returns in one page. */
export const MAX_PAGE_SIZE = 250;

/**
 * Every item from `offset` on, one page of `limit` (default 250) at a time: the next page is
 * asked for only when the loop wants more, and the last page is the first shorter than `limit`.
 */
export async function* allPages<T, Q extends PageOptions>(
  query: Q,
  listPage: (query: Q) => Promise<T[]>,
): AsyncGenerator<T, void, undefined> {
  const limit = query.limit ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE} to page through`);
  }
  let offset = query.offset ?? 0;
  for (;;) {
    const page = await listPage({ ...query, limit, offset });
    yield* page;
    if (page.length < limit) return;
    offset += page.length;
  }
}
