import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPatina, type PatinaServer } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The same secret with its last checksum character changed: a mistyped copy. */
function alterChecksum(secret: string): string {
  const last = secret.at(-1)!;
  return secret.slice(0, -1) + BASE62[(BASE62.indexOf(last) + 1) % 62];
}

describe('patina scan', () => {
  let server: PatinaServer;
  let secrets: string[];
  beforeAll(async () => {
    server = await startPatina();
    // Real secrets, made by the server at test time: none is ever committed.
    secrets = [];
    for (let i = 0; i < 3; i++) {
      secrets.push((await server.adminClient.pats.create({ name: `leak ${i}` })).secret);
    }
  });
  afterAll(() => server.stop());

  function fixture(root: string) {
    const [first, second, ignored] = secrets as [string, string, string];
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('.gitignore', 'build/\n*.log\n');
    write('.git/config', `[remote] token = ${first}\n`);
    write('config/app.env', `# settings\nAPI_URL=http://x\nPATINA_SECRET=${first}\n`);
    write('src/deep/client.ts', `const a = 1;\nconst s = "${second}"; const t = '${first}';\n`);
    write('build/out.js', `var s = "${ignored}";\n`);
    write('debug.log', `secret=${ignored}\n`);
    write('sub/.gitignore', 'private.txt\n');
    write('sub/private.txt', `${ignored}\n`);
    write(
      'notes/lookalikes.md',
      [
        `mistyped: ${alterChecksum(first)}`,
        `random: patina_${'A'.repeat(57)}`,
        `too long: ${second}x`,
        `inside a word: x${second}`,
        `too short: ${second.slice(0, -1)}`,
        `other prefix: patino_${second.slice(7)}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'binary.bin'),
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(first)]),
    );
  }

  it('reports real secrets by file:line:column, never their text, and exits 1', async () => {
    const box = sandbox();
    const root = join(box.home, 'repo');
    fixture(root);
    const found = await box.patina(['scan', '.'], { cwd: root });
    expect(found.code).toBe(1);
    expect(found.stdout).toBe(
      [
        'config/app.env:3:15: patina_******** (Patina secret)',
        'src/deep/client.ts:2:12: patina_******** (Patina secret)',
        'src/deep/client.ts:2:90: patina_******** (Patina secret)',
        '',
      ].join('\n'),
    );
    expect(found.stderr).toBe(
      'Found 3 Patina secrets in 2 files (6 scanned). Delete the PATs they belong to (patina pat delete ID) and remove them.\n',
    );
    for (const secret of secrets) {
      expect(found.stdout + found.stderr).not.toContain(secret.slice(7));
    }

    const json = await box.patina(['scan', 'config', 'src', '--json'], { cwd: root });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      findings: [
        { file: 'config/app.env', line: 3, column: 15 },
        { file: 'src/deep/client.ts', line: 2, column: 12 },
        { file: 'src/deep/client.ts', line: 2, column: 90 },
      ],
      filesScanned: 2,
    });
  });

  it('exits 0 over look-alikes and ignored files, and reads a file named outright', async () => {
    const box = sandbox();
    const root = join(box.home, 'repo');
    fixture(root);
    // Look-alikes, a file ignored by sub/.gitignore, a directory ignored by the root's.
    const clean = await box.patina(['scan', 'notes', 'sub', 'build'], { cwd: root });
    expect(clean).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No Patina secrets found (2 files scanned).\n',
    });

    // debug.log is ignored (*.log) when walked, but read when named.
    const named = await box.patina(['scan', 'debug.log'], { cwd: root });
    expect(named.code).toBe(1);
    expect(named.stdout).toBe('debug.log:1:8: patina_******** (Patina secret)\n');
  });
});
