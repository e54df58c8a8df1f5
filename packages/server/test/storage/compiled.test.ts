import { describe, expect, it } from 'vitest';
import { parseFilter, PATINA_PAT_FILTER_FIELDS } from '../../src/pats/filter.js';
import { CompiledStatement, type Param } from '../../src/storage/compiled.js';
import { startTestApp } from '../helpers.js';

describe('a compiled statement', () => {
  // The parameters are named in one order and bound in the SQL's: a statement compiled once must
  // still put every value where it belongs, with the query's own constants between them.
  const byOwnerAndName = new CompiledStatement((db, p: Param<{ name: string; owner: string }>) =>
    db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name'])
      .where('owner_id', '=', p('owner'))
      .where('managed', '=', 0)
      .where('name', '=', p('name'))
      .orderBy('id'),
  );

  it('binds each named value to its own place, on every run, in and out of transactions', async () => {
    const t = await startTestApp();
    const owner = t.admin.identity.id;
    const first = await t.mintPat(owner, { name: 'first' });
    const second = await t.mintPat(owner, { name: 'second' });
    const db = t.storage.db;
    expect(await byOwnerAndName.execute(db, { owner, name: 'first' })).toEqual([
      { id: first.id, name: 'first' },
    ]);
    // A second run reuses the compiled query with the new values.
    expect(await byOwnerAndName.execute(db, { name: 'second', owner })).toEqual([
      { id: second.id, name: 'second' },
    ]);
    expect(await byOwnerAndName.execute(db, { owner: 'nobody', name: 'first' })).toEqual([]);
    const inside = await db
      .transaction()
      .execute((trx) => byOwnerAndName.execute(trx, { owner, name: 'second' }));
    expect(inside).toEqual([{ id: second.id, name: 'second' }]);
  });

  it('lists the same PATs compiled as built: sorted, paged and counted', async () => {
    const t = await startTestApp();
    const owner = t.admin.identity.id;
    for (const name of ['c', 'a', 'b', 'd']) await t.mintPat(owner, { name });
    const pats = t.storage.repos.pats;
    const base = { ownerId: owner, includeManaged: true, withTotal: true } as const;
    const sort = [{ field: 'name', descending: true }] as const;
    // No filter: the compiled path. A filter that matches all of them (none is managed): built.
    const compiled = await pats.list({ ...base, sort: [...sort], limit: 2, offset: 1 });
    const built = await pats.list({
      ...base,
      sort: [...sort],
      limit: 2,
      offset: 1,
      filter: parseFilter('managed eq false', PATINA_PAT_FILTER_FIELDS),
    });
    const all = await pats.list({ ...base, sort: [...sort], limit: 100, offset: 0 });
    const names = all.items.map((p) => p.name);
    // The four and the bootstrap PAT, by name descending.
    expect(names).toEqual([...names].sort().reverse());
    expect(all.total).toBe(5);
    expect(compiled.items.map((p) => p.name)).toEqual(names.slice(1, 3));
    expect(compiled.total).toBe(5);
    expect(built).toEqual(compiled);
    const other = await pats.list({ ...base, sort: [], limit: 10, offset: 0, ownerId: 'nobody' });
    expect(other).toEqual({ items: [], total: 0 });
  });
});
