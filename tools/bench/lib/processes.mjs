/* global fetch -- Node's built-in fetch (Node 18+) */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { sampleCpu } from './cpu.mjs';

/** Every child this process started; all are killed when it exits, on success or on error. */
const children = new Set();

process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

/** Whether `taskset` can pin processes here: it must exist and there must be two cores. */
export function canPin(cores) {
  if (cores < 2) return false;
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/**
 * Starts a command, pinned with `taskset -c <cpu>` when `cpu` is given: one CPU, or a list
 * taskset reads (`0-2`). `taskset` execs the command, so the child's pid is the command's own
 * (what /proc/<pid>/status needs).
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cpu?: number | string, env?: NodeJS.ProcessEnv, cwd?: string, capture?: boolean }} [options]
 * @returns {import('node:child_process').ChildProcess & { output: () => string }}
 */
export function startPinned(command, args, options = {}) {
  const argv =
    options.cpu === undefined
      ? [command, ...args]
      : ['taskset', '-c', String(options.cpu), command, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    // Only the tail matters (an error message, a wrk summary); a chatty child must not grow it.
    if (output.length > 1_000_000) output = output.slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  return Object.assign(child, { output: () => output });
}

/**
 * Runs a command to its end and returns its combined output; rejects on a non-zero exit.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cpu?: number | string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<string>}
 */
export async function runPinned(command, args, options = {}) {
  return (await runPinnedMeasured(command, args, options)).output;
}

/**
 * runPinned, and the CPU the command used (lib/cpu.mjs, sampled from /proc while it ran): its
 * CPU seconds and the wall seconds they were taken over; null where /proc cannot be read.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cpu?: number | string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<{ output: string, cpu: { cpuSeconds: number, wallSeconds: number } | null }>}
 */
export function runPinnedMeasured(command, args, options = {}) {
  const child = startPinned(command, args, options);
  const sampled = child.pid === undefined ? () => null : sampleCpu(child.pid);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      sampled();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const cpu = sampled();
      if (code === 0) resolve({ output: child.output(), cpu });
      else
        reject(
          new Error(`${command} exited with ${code ?? signal}:\n${child.output().slice(-2000)}`),
        );
    });
  });
}

/**
 * Stops a child with SIGTERM (SIGKILL after `timeoutMs`) and waits for it to exit.
 *
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} [timeoutMs]
 */
export async function stop(child, timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** A TCP port nobody listens on right now. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Polls `url` until it answers 2xx; fails early when `child` exits.
 *
 * @param {string} url
 * @param {ReturnType<typeof startPinned>} child
 * @param {number} [timeoutMs]
 */
export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${url}: the server exited before answering:\n${child.output().slice(-2000)}`,
      );
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
}

/** Resident set size of a process in MB (VmRSS from /proc/<pid>/status), or null. */
export function rssMb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples the RSS of `pid` every `everyMs` until the returned function is called; that returns
 * the largest sample in MB.
 */
export function sampleRss(pid, everyMs = 250) {
  let peak = rssMb(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid) ?? 0);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid) ?? 0);
  };
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
