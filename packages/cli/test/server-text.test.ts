import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, ROOT, startPatina, type PatinaServer } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { patinaEnv } from './test-server.js';

/**
 * Text from a server never reaches the terminal as control characters (issue 21, item 6). The
 * server refuses such names now, so the PAT and its owner get them the way a database from an
 * older server would hold them: written straight into it, with the server's own SQLite driver.
 */
const CLEAR_SCREEN = '\u001b[2J';
const OSC52 = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007';
const PAT_NAME = `deploy${CLEAR_SCREEN}${OSC52}\r\u202Egpj.exe\u0000`;
const OWNER_NAME = `Mallory\u001b[31m\u0085`;
/** How `patina` shows them: every control and invisible character as a visible escape. */
const PAT_NAME_SHOWN =
  'deploy\\x1b[2J\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07\\x0d\\u202egpj.exe\\x00';
const OWNER_NAME_SHOWN = 'Mallory\\x1b[31m\\x85';

/** Any control character but a line break, or a format character: nothing a terminal shows. */
// eslint-disable-next-line no-control-regex
const UNSHOWN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

function writeAsAnOldServer(server: PatinaServer, write: (db: BetterSqlite3.Database) => void) {
  // The driver as the server package resolves it: the CLI itself never touches a database.
  const require = createRequire(join(ROOT, 'packages/server/package.json'));
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(join(server.dataDir, 'patina.db'));
  try {
    db.pragma('busy_timeout = 5000');
    write(db);
  } finally {
    db.close();
  }
}

describe('text from the server, shown in a terminal', () => {
  let server: PatinaServer;
  let patId: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startPatina();
    const mallory = await newUser(server);
    patId = mallory.pat.id;
    writeAsAnOldServer(server, (db) => {
      db.prepare('UPDATE personal_access_tokens SET name = ? WHERE id = ?').run(PAT_NAME, patId);
      db.prepare('UPDATE identities SET name = ? WHERE id = ?').run(
        OWNER_NAME,
        mallory.identity.id,
      );
    });
    env = patinaEnv(server, server.admin);
  });
  afterAll(() => server.stop());

  it('pat list --all prints no ESC byte: the name and owner show their escapes visibly', async () => {
    const box = sandbox();
    const listed = await box.patina(['pat', 'list', '--all'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).not.toMatch(UNSHOWN);
    const row = listed.stdout.split('\n').find((line) => line.includes(patId));
    expect(row).toBeDefined();
    expect(row).toContain(PAT_NAME_SHOWN);
    expect(row).toContain(OWNER_NAME_SHOWN);
  });

  it('with colours on, the only escapes are patina’s own colours', async () => {
    const box = sandbox();
    const listed = await box.patina(['pat', 'list', '--all'], {
      env: { ...env, FORCE_COLOR: '1' },
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('\u001b[1m'); // the bold header: colours are on
    // eslint-disable-next-line no-control-regex
    expect(listed.stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(UNSHOWN);
    expect(listed.stdout).toContain(PAT_NAME_SHOWN);
  });

  it('pat show shows the name and owner escaped too', async () => {
    const box = sandbox();
    const shown = await box.patina(['pat', 'show', patId], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toMatch(UNSHOWN);
    expect(shown.stdout).toMatch(new RegExp(`^Name +${escapeRegExp(PAT_NAME_SHOWN)}$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^Owner +${escapeRegExp(OWNER_NAME_SHOWN)} \\(`, 'm'));
  });

  it('--json keeps the exact text, JSON-escaped, with nothing a terminal acts on', async () => {
    const box = sandbox();
    const listed = await box.patina(['pat', 'list', '--all', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toMatch(UNSHOWN);
    const pats = JSON.parse(listed.stdout) as {
      id: string;
      name: string;
      owner: { name: string };
    }[];
    const pat = pats.find((p) => p.id === patId);
    expect(pat?.name).toBe(PAT_NAME);
    expect(pat?.owner.name).toBe(OWNER_NAME);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
