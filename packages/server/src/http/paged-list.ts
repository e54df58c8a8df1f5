import { BAD_REQUEST_RESPONSE, TOTAL_COUNT_HEADERS } from '@patina/contract';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

/** What every list's query says of its page (the contract's `pageQueryFields`). */
export interface PageQueryValues {
  limit?: number | undefined;
  offset?: number | undefined;
  count?: boolean | undefined;
}

/** The page a list's query asks for: 250 items from the first unless it says otherwise. */
export function pageOf(query: PageQueryValues) {
  return {
    limit: query.limit ?? 250,
    offset: query.offset ?? 0,
    withTotal: query.count === true,
  };
}

/** The items of a page, for the answer; the total, when `count=true` asked for it, in X-Total-Count. */
export function pageItems<T>(
  reply: FastifyReply,
  page: { items: T[]; total?: number | undefined },
) {
  if (page.total !== undefined) void reply.header('x-total-count', page.total);
  return page.items;
}

/** A list's 200 (the page of `item`s, with X-Total-Count documented) and its query's 400. */
export function pagedListResponses<T extends TSchema>(item: T, description: string) {
  return {
    200: Type.Array(Type.Ref(item), { description, headers: TOTAL_COUNT_HEADERS }),
    ...BAD_REQUEST_RESPONSE,
  };
}
