import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';

/**
 * CPU time of processes from /proc (Linux), so a result can say what share of the machine the
 * load generator took and how many cores Patina's processes used during a measurement.
 */

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = (() => {
  const getconf = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(getconf.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/**
 * The fields of /proc/<pid>/stat this module needs: the parent pid and utime + stime in ticks.
 * The command name (field 2) is in parentheses and may hold spaces or parentheses itself, so the
 * fields are counted from the last `)` (proc(5)).
 *
 * @param {string} text one /proc/<pid>/stat line
 * @returns {{ ppid: number, cpuTicks: number }}
 */
export function parseProcStat(text) {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  // After the name: field 3 (state) is index 0, so field n is index n − 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[4 - 3]);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (![ppid, utime, stime].every(Number.isInteger)) {
    throw new Error('not a /proc/<pid>/stat line: ppid, utime or stime is not a number');
  }
  return { ppid, cpuTicks: utime + stime };
}

/**
 * The share of the whole machine a process took: its CPU seconds over the wall time and every
 * core (1 = all cores busy the whole time); `cores` is that over the wall time alone (1 = one
 * core busy the whole time).
 *
 * @param {{ cpuSeconds: number, wallSeconds: number, cores: number }} usage
 * @returns {{ share: number, cores: number }}
 */
export function cpuShare({ cpuSeconds, wallSeconds, cores }) {
  if (!(wallSeconds > 0) || !(cores >= 1) || !(cpuSeconds >= 0)) {
    throw new Error(
      `cpuShare needs cpuSeconds ≥ 0, wallSeconds > 0 and cores ≥ 1 (got ${cpuSeconds}, ${wallSeconds}, ${cores})`,
    );
  }
  return { share: cpuSeconds / (wallSeconds * cores), cores: cpuSeconds / wallSeconds };
}

/** @param {number} pid @returns {{ ppid: number, cpuTicks: number } | null} */
function readStat(pid) {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The CPU seconds so far of `pid` and all its descendants (a primary and its workers), and how
 * their pids; null when `pid` is gone or this is not Linux.
 *
 * @param {number} pid
 * @returns {{ cpuSeconds: number, pids: number[] } | null}
 */
export function treeCpu(pid) {
  const root = readStat(pid);
  if (root === null) return null;
  /** @type {Map<number, { ppid: number, cpuTicks: number }>} */
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) all.set(Number(name), stat);
  }
  all.set(pid, root);
  const inTree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, stat] of all) {
      if (!inTree.has(child) && inTree.has(stat.ppid)) {
        inTree.add(child);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const member of inTree) ticks += all.get(member)?.cpuTicks ?? 0;
  return { cpuSeconds: ticks / TICKS_PER_SECOND, pids: [...inTree] };
}

/**
 * Samples the CPU time of `pid` every `everyMs` from now until the returned function is called
 * (after the process exits, typically): that returns the CPU seconds and the wall seconds of the
 * last sample that could be read, so a process that has exited is measured up to its last
 * sample. A process is reaped as soon as it exits, so its last tenth of a second is lost; a
 * measurement of several seconds is off by that little.
 *
 * @param {number} pid
 * @param {number} [everyMs]
 * @returns {() => { cpuSeconds: number, wallSeconds: number } | null}
 */
export function sampleCpu(pid, everyMs = 100) {
  const started = performance.now();
  /** @type {{ cpuSeconds: number, wallSeconds: number } | null} */
  let last = null;
  const sample = () => {
    const stat = readStat(pid);
    if (stat === null) return;
    last = {
      cpuSeconds: stat.cpuTicks / TICKS_PER_SECOND,
      wallSeconds: (performance.now() - started) / 1000,
    };
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return last !== null && last.wallSeconds > 0 ? last : null;
  };
}
