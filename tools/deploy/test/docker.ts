import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

export interface Result {
  stdout: string;
  stderr: string;
}

/** `docker ARGS`, failing with what docker said. */
export async function docker(args: string[], timeoutMs = 120_000): Promise<Result> {
  try {
    return await run('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & Partial<Result>;
    throw new Error(
      `docker ${args.join(' ')} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`,
    );
  }
}

/**
 * Whether a Docker engine answers. Without one the container tests are skipped on a developer's
 * machine, and fail under CI, which must run them (.ci/run installs docker.io and starts dockerd).
 */
export function dockerAvailable(): boolean {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const available = info.status === 0;
  if (!available && process.env.CI) {
    throw new Error(
      `CI is set and no Docker engine answers (${(info.stderr ?? '').trim() || 'docker not found'}): install docker.io and start dockerd`,
    );
  }
  if (!available) console.warn('No Docker engine: the container tests are skipped.');
  return available;
}

/**
 * Builds the real Dockerfile, as the README says, after making the Debian base image from
 * Debian's packages when no registry can give it (tools/make-debian-base-image.sh). The host's
 * trust store goes into deploy/docker/extra-ca/ first, as on any network that re-signs TLS.
 */
export async function buildImage(tag: string): Promise<void> {
  await run(join(ROOT, 'tools/make-debian-base-image.sh'), [], { timeout: 900_000 });
  const hostCa = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(hostCa)) copyFileSync(hostCa, join(ROOT, 'deploy/docker/extra-ca/host.crt'));
  await docker(['build', '--network', 'host', '-t', tag, ROOT], 1_500_000);
}

/** A port no one listens on, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out waiting for ${what}${why}`);
}
