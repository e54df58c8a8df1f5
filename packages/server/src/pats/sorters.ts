import { PAT_SORT_FIELDS, type PatSortField } from '@patina/contract';
import { badRequest } from '../core/errors.js';
import type { PatSort } from './model.js';

/** SailPoint's `sorters`: comma-separated fields, `-` for descending. Default: created. */
export function parseSorters(raw: string | undefined): PatSort[] {
  if (raw === undefined || raw.trim() === '') return [{ field: 'created', descending: false }];
  return raw.split(',').map((part) => {
    const item = part.trim();
    const descending = item.startsWith('-');
    const field = descending ? item.slice(1) : item;
    if (!(PAT_SORT_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(
        `Invalid sorters: unknown field '${field}'; sortable: ${PAT_SORT_FIELDS.join(', ')}`,
        'sorters',
      );
    }
    return { field: field as PatSortField, descending };
  });
}
