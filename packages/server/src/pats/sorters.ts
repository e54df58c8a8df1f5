import { PAT_SORT_FIELDS, type PatSortField } from '@patina/contract';
import { badRequest } from '../core/errors.js';
import { echo } from '../core/redact.js';
import type { PatSort } from './model.js';

/**
 * Longest `sorters` read: every field once, descending, with room for spaces. Anything longer
 * cannot be valid, and is refused before it is split.
 */
const MAX_SORTERS_CHARS = 200;

/**
 * SailPoint's `sorters`: comma-separated fields, `-` for descending. Default: created. Each field
 * at most once: a repeat cannot change the order, and thousands of them would reach the database
 * as an ORDER BY it refuses.
 */
export function parseSorters(raw: string | undefined): PatSort[] {
  if (raw === undefined || raw.trim() === '') return [{ field: 'created', descending: false }];
  if (raw.length > MAX_SORTERS_CHARS) {
    throw badRequest(
      `Invalid sorters: longer than ${MAX_SORTERS_CHARS} characters; sortable: ${PAT_SORT_FIELDS.join(', ')}, each at most once`,
      'sorters',
    );
  }
  const seen = new Set<string>();
  return raw.split(',').map((part) => {
    const item = part.trim();
    const descending = item.startsWith('-');
    const field = descending ? item.slice(1) : item;
    if (!(PAT_SORT_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(
        `Invalid sorters: unknown field '${echo(field)}'; sortable: ${PAT_SORT_FIELDS.join(', ')}`,
        'sorters',
      );
    }
    if (seen.has(field)) {
      throw badRequest(`Invalid sorters: '${field}' is given more than once`, 'sorters');
    }
    seen.add(field);
    return { field: field as PatSortField, descending };
  });
}
