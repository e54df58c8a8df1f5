import type { ListPatsQuery } from '@patina/contract';
import type { PageOptions } from '../paging.js';

/** What a PAT list takes, on SailPoint's surfaces and (extended) on Patina's own. */
export interface ListPatsOptions extends PageOptions {
  /** `me`, an identity id, or absent for every owner (needs all-read). */
  ownerId?: ListPatsQuery['owner-id'];
  /** SailPoint's filter syntax on `lastUsed`: `lastUsed le 2026-01-01T00:00:00.000Z`. */
  filters?: ListPatsQuery['filters'];
  /** Comma-separated `name`, `created`, `lastUsed`, `expirationDate`; `-` for descending. */
  sorters?: ListPatsQuery['sorters'];
}

/** A PAT list's query besides the paging, the same on every surface. */
export function patListFilters({ ownerId, filters, sorters }: ListPatsOptions) {
  return { 'owner-id': ownerId, filters, sorters };
}
