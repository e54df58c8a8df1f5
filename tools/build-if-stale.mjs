#!/usr/bin/env node
// `npm start`'s build step: builds only what changed, so a built checkout starts in seconds.
// TypeScript's own `tsc -b` is incremental (it compares its build info and does nothing when
// every output is up to date); the console's Vite build is not, so it runs only when a file it is
// made from is newer than the built index.html, or when there is none.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONSOLE = join(ROOT, 'packages/console');
const BUILT = join(CONSOLE, 'dist/index.html');
/** What the console's build reads: its sources and the two packages it bundles. */
const INPUTS = [
  join(CONSOLE, 'src'),
  join(CONSOLE, 'public'),
  join(CONSOLE, 'index.html'),
  join(CONSOLE, 'vite.config.ts'),
  join(CONSOLE, 'package.json'),
  join(ROOT, 'packages/sdk/dist'),
  join(ROOT, 'packages/contract/dist'),
];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The newest modification time of a file or of any file below a folder (0 if absent). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

run('npx', ['tsc', '-b']);
const builtAt = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
if (INPUTS.some((input) => newest(input) > builtAt)) {
  run('npm', ['run', 'build', '-w', '@patina/console']);
} else {
  process.stderr.write('The console is up to date: not rebuilt.\n');
}
