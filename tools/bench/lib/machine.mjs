import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem, type } from 'node:os';
import process from 'node:process';

/**
 * What the numbers were measured on: CPUs, CPU model (from /proc/cpuinfo), memory, Node, kernel,
 * and the filesystem of the data directory (SQLite commits with an fsync, so it matters).
 *
 * @param {string} dataDir
 */
export function describeMachine(dataDir) {
  let cpuModel = 'unknown';
  try {
    cpuModel =
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ??
      cpuModel;
  } catch {
    // not Linux
  }
  const df = spawnSync('df', ['-T', dataDir], { encoding: 'utf8' });
  const fsType = df.status === 0 ? df.stdout.trim().split('\n').at(-1)?.split(/\s+/)[1] : undefined;
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
    dataDirFilesystem: fsType ?? 'unknown',
  };
}
