import type { Identity } from '@patina/contract';
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrate.js';
import { isUniqueViolation } from '../../src/storage/dialect.js';
import { startTestApp, START, type TestApp } from '../helpers.js';

/** Migration 0009: an identity's SSO link, (issuer, subject), unique across identities. */

const LINK = { issuer: 'https://login.example.com/', subject: 'a' };

function person(id: string, more: Partial<Identity> = {}): Identity {
  return {
    id: id.repeat(32).slice(0, 32),
    login: `p${id}`,
    name: `Person ${id}`,
    status: 'ACTIVE',
    roles: ['USER'],
    rights: [],
    created: START,
    modified: START,
    ...more,
  };
}

async function insertError(t: TestApp, identity: Identity): Promise<unknown> {
  try {
    await t.storage.repos.identities.insert(identity);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('SSO links in storage', () => {
  it('hold one account per identity; identities without a link never collide', async () => {
    const t = await startTestApp();
    const { identities } = t.storage.repos;
    await identities.insert(person('1', { ssoLink: LINK }));
    expect(isUniqueViolation(await insertError(t, person('2', { ssoLink: LINK })))).toBe(true);
    await identities.insert(person('3', { ssoLink: { ...LINK, subject: 'A' } }));
    await identities.insert(
      person('4', { ssoLink: { ...LINK, issuer: 'https://other.example/' } }),
    );
    await identities.insert(person('5'));
    await identities.insert(person('6'));
    expect(await identities.findBySsoLink(LINK)).toEqual(person('1', { ssoLink: LINK }));
    expect(await identities.findBySsoLink({ ...LINK, subject: 'b' })).toBeUndefined();
  });

  it('link an identity only while it has none', async () => {
    const t = await startTestApp();
    const { identities } = t.storage.repos;
    await identities.insert(person('1', { ssoLink: LINK }));
    await identities.insert(person('2'));
    const other = { ...LINK, subject: 'other' };
    expect(await identities.linkIfUnlinked(person('1').id, other, START)).toBe(false);
    expect((await identities.findById(person('1').id))?.ssoLink).toEqual(LINK);
    expect(await identities.linkIfUnlinked(person('2').id, other, START)).toBe(true);
    expect((await identities.findById(person('2').id))?.ssoLink).toEqual(other);
  });

  it('find unlinked identities by address, whatever its case', async () => {
    const t = await startTestApp();
    const { identities } = t.storage.repos;
    await identities.insert(person('1', { email: 'Ada@Example.com' }));
    await identities.insert(person('2', { email: 'ada@example.com', ssoLink: LINK }));
    await identities.insert(person('3', { email: 'ada@example.org' }));
    expect((await identities.findUnlinkedByEmail('ADA@example.COM', 2)).map((i) => i.id)).toEqual([
      person('1').id,
    ]);
    await identities.insert(person('4', { email: 'ada@example.com' }));
    expect((await identities.findUnlinkedByEmail('ada@example.com', 2)).length).toBe(2);
    expect((await identities.findUnlinkedByEmail('ada@example.com', 1)).length).toBe(1);
  });

  it('can be migrated down and up again', async () => {
    const t = await startTestApp();
    const db = t.storage.db;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    });
    const down = await migrator.migrateTo('0008_live_owner_index');
    expect(down.error).toBeUndefined();
    expect(
      await sql`select sso_issuer from identities`.execute(db).then(
        () => 'present',
        () => 'gone',
      ),
    ).toBe('gone');
    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    await t.storage.repos.identities.insert(person('1', { ssoLink: LINK }));
    expect(isUniqueViolation(await insertError(t, person('2', { ssoLink: LINK })))).toBe(true);
  });
});
