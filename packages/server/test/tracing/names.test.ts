import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { PatinaError } from '../../src/core/errors.js';
import { openTestStorage } from '../dialect.js';
import { errorType } from '../../src/tracing/sdk.js';
import { operationName } from '../../src/tracing/query-spans.js';

describe('a query span', () => {
  it("is named after the statement, from Kysely's query kind or a raw statement's first word", async () => {
    const storage = await openTestStorage();
    const { db } = storage;
    const select = db.selectFrom('identities').select('id').where('id', '=', 'x');
    const insert = db.insertInto('settings').values({ key: 'k', value: 'v' });
    const update = db.updateTable('settings').set({ value: 'v' }).where('key', '=', 'k');
    const remove = db.deleteFrom('settings').where('key', '=', 'k');
    expect([select, insert, update, remove].map((query) => operationName(query.compile()))).toEqual(
      ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    );
    expect(
      ['begin', '  COMMIT', 'select pg_advisory_lock($1)', 'lock table x', 'frobnicate', ''].map(
        (sql) => operationName(CompiledQuery.raw(sql)),
      ),
    ).toEqual(['BEGIN', 'COMMIT', 'SELECT', 'LOCK', 'OTHER', 'OTHER']);
    await storage.close();
  });
});

describe('a failed span', () => {
  it("records the error's code or class, never its message", () => {
    expect(errorType(new PatinaError('UNAVAILABLE', 'The database is unavailable'))).toBe(
      'UNAVAILABLE',
    );
    expect(errorType(Object.assign(new Error('duplicate key (x)=(y)'), { code: '23505' }))).toBe(
      '23505',
    );
    expect(errorType(new TypeError('bad'))).toBe('TypeError');
    expect(errorType(Object.assign(new Error('x'), { code: `patina_${'a'.repeat(57)}` }))).toBe(
      'Error',
    );
    expect(errorType('a string')).toBe('_OTHER');
  });
});
