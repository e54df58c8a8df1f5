import { describe, expect, it } from 'vitest';
import { isUnavailable } from '../../src/storage/dialect.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('what counts as the database being unavailable (a 503, not a 500)', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED')],
    ['a reset connection', coded('ECONNRESET')],
    ['SQLSTATE class 08 (connection exception)', coded('08006')],
    ['57P01 admin shutdown', coded('57P01')],
    ['57P02 crash shutdown', coded('57P02')],
    ['57P03 cannot connect now', coded('57P03')],
    ['53300 too many connections', coded('53300')],
    ['SQLite busy past busy_timeout', coded('SQLITE_BUSY')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a silent network', new Error('Query read timeout')],
    ['a pool that waited too long', new Error('timeout exceeded when trying to connect')],
    ['an outage wrapped as a cause', new Error('reload failed', { cause: coded('ECONNREFUSED') })],
  ])('%s is', (_, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('23505')],
    ['a constraint violation in SQLite', coded('SQLITE_CONSTRAINT_UNIQUE')],
    ['a syntax error', coded('42601')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not', (_, error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});
