import { execFile } from 'node:child_process';
import { readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { freePort } from '../helpers.js';
import { E2E_TIMEOUT_MS, readCredentials, ROOT, Sandbox } from './harness.js';

const run = promisify(execFile);

/**
 * The README says its shell blocks paste as they are while `npm start` runs. This runs them, in
 * order and in one shell as a reader would, against a real process on a fresh SQLite data
 * directory (what `npm start` makes), from a directory whose `data` is that process's. The only
 * change to the text is the port. `curl` fails on any answer of 400 or more, and so does the
 * script, so a block that stopped working fails this test with the body the server gave.
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's `sh` blocks, in order. */
function shellBlocks(): string[] {
  return [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/** Blocks that are not run, each with the reason, matched by a line of theirs. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm ci && npm start/m, 'the two commands themselves (the test starts the process)'],
  [/^export PATINA_DATABASE_URL=/m, 'the PostgreSQL set-up: a database server of the reader’s'],
  [/^npm run lint/m, 'development commands'],
  [/^sudo apt-get install -y wrk/m, 'the benchmarks: half an hour'],
  // The README says so under the block: a webhook's host must resolve when it is made, and CI
  // machines resolve no public names.
  [/^HOOK_URL=https:\/\/example\.com/m, 'needs a machine that resolves public names'],
];

describe.runIf(DIALECT === 'sqlite')('the README', () => {
  it('runs nothing it does not say why', () => {
    const blocks = shellBlocks();
    for (const [pattern, why] of NOT_RUN) {
      expect(
        blocks.filter((block) => pattern.test(block)),
        why,
      ).toHaveLength(1);
    }
  });

  it(
    'pastes: every shell block runs as it is against a fresh start',
    async () => {
      const sandbox = new Sandbox();
      const home = sandbox.tempDir();
      const cwd = sandbox.tempDir();
      const dataDir = join(sandbox.tempDir(), 'data');
      symlinkSync(dataDir, join(cwd, 'data'));
      const port = await freePort();
      await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });

      const blocks = shellBlocks().filter(
        (block) => !NOT_RUN.some(([pattern]) => pattern.test(block)),
      );
      expect(blocks.length).toBeGreaterThanOrEqual(7);
      const script = [
        'set -euo pipefail',
        'curl() { command curl --fail-with-body "$@"; }',
        ...blocks,
        // What the blocks left behind, for the checks below.
        'printf \'\\nCI_PAT=%s\\n\' "$CI_PAT"',
      ]
        .join('\n')
        .replaceAll('127.0.0.1:7070', `127.0.0.1:${port}`);
      const { stdout } = await run('bash', ['-c', script], {
        cwd,
        env: { PATH: process.env.PATH, HOME: home },
        timeout: 45_000,
      });
      // Booleans, not the output: the rotation printed a secret, which no failure message may
      // show. The first block's PAT was deleted (204); the onboarding PAT is Alice's, 0600,
      // outside the directory the commands ran in.
      const lines = stdout.split('\n');
      expect(
        lines.some((line) => line.endsWith('}204')),
        'the first block deleted its PAT',
      ).toBe(true);
      expect(lines.some((line) => /^CI_PAT=[0-9a-f]{32}$/.test(line))).toBe(true);
      const alice = join(home, 'alice-first-pat.json');
      expect(statSync(alice).mode & 0o777).toBe(0o600);
      expect(/"secret":"patina_/.test(readFileSync(alice, 'utf8'))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'gives recovery credentials as JSON alone with its `npm run -s admin -- token` command',
    async () => {
      const command = /`\((umask 077 && npm run -s admin -- token > [^`]+)\)`/.exec(README)?.[1];
      expect(command, 'the README names the recovery command').toBeDefined();
      const sandbox = new Sandbox();
      const home = sandbox.tempDir();
      const dataDir = join(sandbox.tempDir(), 'data');
      const port = String(await freePort());
      await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: port });
      const { stderr } = await run('bash', ['-c', command!], {
        cwd: ROOT,
        // The data directory and port of that process; npm itself from the test's PATH.
        env: {
          PATH: process.env.PATH,
          HOME: home,
          PATINA_DATA_DIR: dataDir,
          PATINA_PORT: port,
        },
        timeout: 45_000,
      });
      const file = join(home, 'patina-admin.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const recovered = readCredentials(file);
      expect(Object.keys(recovered).sort()).toEqual([
        'baseUrl',
        'clientId',
        'clientSecret',
        'tokenUrl',
      ]);
      expect(stderr).toContain(`Made recovery PAT ${recovered.clientId} for admin`);
    },
    E2E_TIMEOUT_MS,
  );
});
