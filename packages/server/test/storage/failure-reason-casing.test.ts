import { Migrator } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/storage/database.js';
import { MIGRATIONS, migrateToLatest } from '../../src/storage/migrate.js';
import { testDatabaseSettings } from '../dialect.js';

/**
 * Migration 0013 rewrites the two failure reasons first recorded in upper case, so the audit
 * trail speaks one casing whatever version wrote a row; nothing else in the trail changes.
 */
describe('migration 0013_failure_reason_casing', () => {
  it('rewrites the upper-case failure reasons of recorded failed uses, and nothing else', async () => {
    const config = parseConfig({ ...testDatabaseSettings({ fresh: true }), dataDir: ':memory:' });
    const schema = config.database.schema;
    const { db } = openDatabase({
      dataDir: ':memory:',
      database: config.database,
      forMigrations: true,
    });
    onTestFinished(() => db.destroy());
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
      ...(schema && { migrationTableSchema: schema }),
    });
    const before = await migrator.migrateTo('0012_tokens_not_before');
    expect(before.error).toBeUndefined();

    const row = (id: string, type: string, details: Record<string, unknown>) => ({
      id,
      time: '2026-12-01T00:00:00.000Z',
      type,
      target_type: 'PERSONAL_ACCESS_TOKEN',
      outcome: type.endsWith('FAILED') ? ('FAILURE' as const) : ('SUCCESS' as const),
      details: JSON.stringify(details),
    });
    await db
      .insertInto('audit_events')
      .values([
        row('a1', 'PERSONAL_ACCESS_TOKEN_USE_FAILED', {
          reason: 'ROTATED_SECRET_REUSED',
          count: 3,
        }),
        row('a2', 'PERSONAL_ACCESS_TOKEN_USE_FAILED', { reason: 'IP_NOT_ALLOWED' }),
        row('a3', 'PERSONAL_ACCESS_TOKEN_USE_FAILED', { reason: 'wrong_secret' }),
        // Another event whose free text happens to hold the same words is left as it was.
        row('a4', 'PERSONAL_ACCESS_TOKEN_CREATED', { reason: 'IP_NOT_ALLOWED' }),
      ])
      .execute();

    expect(await migrateToLatest(db, { schema })).toContain('0013_failure_reason_casing');
    const details = await db
      .selectFrom('audit_events')
      .select(['id', 'details'])
      .orderBy('id')
      .execute();
    expect(details.map((d) => [d.id, JSON.parse(d.details) as unknown])).toEqual([
      ['a1', { reason: 'rotated_secret_reused', count: 3 }],
      ['a2', { reason: 'ip_not_allowed' }],
      ['a3', { reason: 'wrong_secret' }],
      ['a4', { reason: 'IP_NOT_ALLOWED' }],
    ]);
  });
});
