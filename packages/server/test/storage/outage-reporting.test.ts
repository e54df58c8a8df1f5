import SQLite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { PatinaError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/storage/database.js';
import { reportingOutages } from '../../src/storage/outage.js';

/** Nothing listens on port 1: every connection attempt is refused at once. */
const CLOSED_PORT_URL = 'postgres://patina@127.0.0.1:1/patina';

/** The database settings of a PostgreSQL deployment whose server refuses every connection. */
function refusingPostgres() {
  const config = parseConfig({
    dataDir: ':memory:',
    database: { url: CLOSED_PORT_URL },
    masterKey: randomBytes(32).toString('base64'),
    publicBaseUrl: 'http://patina.test',
  });
  return config.database;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-outage-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-memory SQLite database behind the outage boundary, whose next statements can fail. */
function sqliteWithFaults() {
  const sqlite = new SQLite(':memory:');
  let fault: Error | undefined;
  const db = new Kysely<Record<string, never>>({
    dialect: reportingOutages(
      new SqliteDialect({
        database: {
          close: () => sqlite.close(),
          prepare: (text: string) => {
            if (fault) throw fault;
            return sqlite.prepare(text);
          },
        },
      }),
    ),
  });
  onTestFinished(() => db.destroy());
  return { db, failWith: (error: Error | undefined) => void (fault = error) };
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => expect.fail('expected the statement to fail'),
    (error: unknown) => error,
  );
}

function expectOutage(error: unknown, cause: { code: string }): void {
  expect(error).toBeInstanceOf(PatinaError);
  expect(error).toMatchObject({
    code: 'UNAVAILABLE',
    message: 'The database is unavailable',
    retryAfterSeconds: 1,
  });
  expect((error as PatinaError).cause).toMatchObject(cause);
}

describe('the storage boundary: outages leave storage as UNAVAILABLE', () => {
  it('turns a driver outage into PatinaError UNAVAILABLE with the driver error as its cause', async () => {
    const { db, failWith } = sqliteWithFaults();
    const busy = coded('SQLITE_BUSY', 'database is locked');
    failWith(busy);
    const error = await rejection(sql`select 1`.execute(db));
    expectOutage(error, { code: 'SQLITE_BUSY' });
    expect((error as PatinaError).cause).toBe(busy);
  });

  it('leaves every other driver error as it is, for the repositories to read', async () => {
    const { db, failWith } = sqliteWithFaults();
    const unique = coded('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: t.x');
    failWith(unique);
    expect(await rejection(sql`select 1`.execute(db))).toBe(unique);
    const bug = new TypeError('cannot read properties of undefined');
    failWith(bug);
    expect(await rejection(sql`select 1`.execute(db))).toBe(bug);
  });

  it('classifies an outage inside a transaction, and the transaction still rolls back', async () => {
    const { db, failWith } = sqliteWithFaults();
    await sql`create table t (x integer)`.execute(db);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        failWith(coded('SQLITE_BUSY', 'database is locked'));
        try {
          await sql`insert into t values (2)`.execute(trx);
        } finally {
          failWith(undefined);
        }
      }),
    );
    expectOutage(error, { code: 'SQLITE_BUSY' });
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('answers a SQLite file locked past busy_timeout with UNAVAILABLE (openDatabase)', async () => {
    const dir = tempDir();
    const { db } = openDatabase({ dataDir: dir });
    onTestFinished(() => db.destroy());
    await sql`create table t (x integer)`.execute(db);
    // One connection: the shorter wait applies to every statement below.
    await sql`pragma busy_timeout = 10`.execute(db);
    const holder = new SQLite(join(dir, 'patina.db'));
    holder.exec('begin exclusive');
    onTestFinished(() => {
      holder.exec('rollback');
      holder.close();
    });
    expectOutage(await rejection(sql`insert into t values (1)`.execute(db)), {
      code: 'SQLITE_BUSY',
    });
  });

  it('answers a PostgreSQL server that refuses connections with UNAVAILABLE (openDatabase)', async () => {
    const { db } = openDatabase({ dataDir: ':memory:', database: refusingPostgres() });
    onTestFinished(() => db.destroy());
    expectOutage(await rejection(sql`select 1`.execute(db)), { code: 'ECONNREFUSED' });
  });

  it('leaves the migration connection’s errors as the driver’s, so a failed start names them', async () => {
    const { db } = openDatabase({
      dataDir: ':memory:',
      database: refusingPostgres(),
      forMigrations: true,
    });
    onTestFinished(() => db.destroy());
    const error = await rejection(sql`select 1`.execute(db));
    expect(error).not.toBeInstanceOf(PatinaError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
