import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { startTestApp } from '../helpers.js';

/**
 * Queries by owner read only the owner's live PATs (migration 0008): an index over every row an
 * owner ever had made the per-owner count walk all of their deleted PATs, so each create got
 * slower with every delete before it.
 */
describe('the live-PATs-by-owner index', () => {
  const queries = {
    'the per-owner count': sql`select count(*) as n from personal_access_tokens where owner_id = ${'x'} and deleted_at is null`,
    "the owner's list in its default order": sql`select p.id from personal_access_tokens as p inner join identities as o on o.id = p.owner_id where p.deleted_at is null and p.owner_id = ${'x'} and p.managed = 0 order by p.created asc nulls last, p.id limit 250 offset 0`,
  };

  for (const [name, query] of Object.entries(queries)) {
    it(`serves ${name}`, async () => {
      const t = await startTestApp();
      const db = t.storage.db;
      let plan: string;
      if (DIALECT === 'sqlite') {
        const rows = await sql<{ detail: string }>`explain query plan ${query}`.execute(db);
        plan = rows.rows.map((r) => r.detail).join('\n');
        // No sort step either: the index is in the list's order.
        expect(plan).not.toMatch(/TEMP B-TREE/);
      } else {
        // A table this small is scanned whatever the indexes; forbid that to see which index
        // the planner would take.
        plan = await db.transaction().execute(async (trx) => {
          await sql`set local enable_seqscan = off`.execute(trx);
          const rows = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(trx);
          return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
        });
      }
      expect(plan).toMatch(/pat_owner_live/);
    });
  }
});
