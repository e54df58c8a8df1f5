import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { E2E_TIMEOUT_MS, Sandbox } from './harness.js';

/**
 * A node that cannot open its PostgreSQL database says why, in the driver's words, and never
 * prints the password of the URL it was given.
 */
describe.runIf(DIALECT === 'postgres')('a PostgreSQL node that cannot open its database', () => {
  const PASSWORD = 'hunter2-not-a-real-password';

  function withPassword(url: string, path = ''): string {
    const parsed = new URL(url);
    parsed.password = PASSWORD;
    if (path) parsed.pathname = path;
    return parsed.toString();
  }

  it.each([
    [
      'a database that does not exist',
      () => withPassword(inject('postgresUrl'), '/patina_no_such_database'),
      /patina: Cannot open the database \(make it with `createdb patina_no_such_database`, then start again\): database "patina_no_such_database" does not exist \(3D000\)/,
    ],
    [
      'a closed port',
      () => `postgres://patina:${PASSWORD}@127.0.0.1:1/patina`,
      /patina: Cannot open the database: connect ECONNREFUSED 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    ],
    [
      'an unknown user',
      () => {
        const url = new URL(withPassword(inject('postgresUrl')));
        url.username = 'patina_no_such_role';
        return url.toString();
      },
      /patina: Cannot open the database: .*"patina_no_such_role".* \(28000|28P01\)/,
    ],
  ])(
    'names the cause for %s',
    async (_, url, expected) => {
      const sandbox = new Sandbox();
      const result = await sandbox.run(['serve'], {
        PATINA_DATA_DIR: join(sandbox.tempDir(), 'data'),
        PATINA_DATABASE_URL: url(),
        PATINA_MASTER_KEY: randomBytes(32).toString('base64'),
        PATINA_PUBLIC_BASE_URL: 'http://127.0.0.1:7070',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr + result.stdout).not.toContain('[object Object]');
      expect(result.stderr + result.stdout).not.toContain(PASSWORD);
    },
    E2E_TIMEOUT_MS,
  );
});
