import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/patina.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A home of its own for one test: HOME and XDG_CONFIG_HOME in a fresh directory, removed when
 * the test ends, and no PATINA_ or SAIL_ variable from the machine running the tests.
 */
export function sandbox() {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first`);
  const home = mkdtempSync(join(tmpdir(), 'patina-cli-test-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(PATINA|SAIL)_/.test(name) && !['NO_COLOR', 'FORCE_COLOR'].includes(name),
    ),
  );
  const env = { ...base, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  return {
    home,
    configFile: join(home, '.config', 'patina', 'config.yaml'),
    /** `patina …args`, with `stdin` piped in; resolves when it exits. */
    patina(
      args: string[],
      options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
    ): Promise<Outcome> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: options.cwd ?? home,
          env: { ...env, ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        // patina may exit without reading stdin (a usage error): EPIPE here is not its failure.
        child.stdin.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') reject(error);
        });
        child.stdin.end(options.stdin ?? '');
      });
    },
  };
}
