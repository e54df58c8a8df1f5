#!/usr/bin/env node
// The installed `patina` command. npm links a workspace's bin when it installs, before anything
// is built, so the link points at this file, which is in the repository, rather than at dist/.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('patina: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(main.href);
