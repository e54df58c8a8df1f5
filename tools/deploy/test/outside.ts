import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter } from 'node:path';
import { ROOT, until } from './docker.js';

/**
 * Commands run as a user outside the repository runs them: with an environment of their own,
 * their output kept for an assertion, and long-running ones stopped with all they started.
 */

const COMMAND_TIMEOUT_MS = 120_000;

export interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** npm's settings for reaching the registry and compiling, which carry over to the install. */
const KEPT_NPM_SETTINGS =
  /^npm_config_(registry|cafile|ca|cert|key|strict_ssl|proxy|https_proxy|noproxy|nodedir|cache)$/i;

/**
 * The environment of a process run as a user outside the repository would run it: without the
 * npm_* variables of the `npm test` this runs under (its local_prefix, package and lifecycle
 * would point npm back at the workspace), but with the registry and compiler settings, and
 * without the repository's node_modules/.bin on PATH.
 */
export function outsideEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nor the settings of a Patina or SailPoint this machine may have: the server runs on defaults.
    if (key === 'INIT_CWD' || /^(PATINA|SAIL)_/.test(key)) continue;
    if (!/^npm_/i.test(key) || KEPT_NPM_SETTINGS.test(key)) env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.startsWith(ROOT))
    .join(delimiter);
  return { ...env, ...extra };
}

/** Runs a command to its end; never throws, so an assertion can show what it said. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? outsideEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    // A command that exits without reading its input closes the pipe first: that is EPIPE on our
    // side, not a failure of the command (its status and output say whether it did its work).
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** What a command said, for a failure message (stderr only: stdout may hold a secret). */
function failure(what: string, outcome: Outcome): Error {
  return new Error(`${what} exited ${String(outcome.status)}: ${outcome.stderr.slice(-4000)}`);
}

export async function succeed(
  what: string,
  command: string,
  args: string[],
  options: Parameters<typeof run>[2],
): Promise<Outcome> {
  const outcome = await run(command, args, options);
  if (outcome.status !== 0) throw failure(what, outcome);
  return outcome;
}

/**
 * A long-running process in a process group of its own: `npx` runs the command under npm and a
 * shell, and a signal to npm alone would leave the server running. `stop` ends the whole group.
 */
export class Background {
  readonly child: ChildProcess;
  output = '';
  exited: number | null | undefined;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { ...options, detached: true, stdio: 'pipe' });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.on('exit', (code) => (this.exited = code));
  }

  /** The JSON lines it logged (pino), skipping anything else. */
  logLines(): Record<string, unknown>[] {
    return this.output.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    return until(
      what,
      () => {
        if (this.exited !== undefined) {
          throw new Error(`it exited (${String(this.exited)}): ${this.output.slice(-4000)}`);
        }
        return Promise.resolve(check());
      },
      timeoutMs,
    );
  }

  /** SIGTERM to the group, SIGKILL after 15 s; resolves once the process has exited. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited !== undefined) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // The group is gone already.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    // Whatever of the group outlived its leader.
    signal('SIGKILL');
  }
}
