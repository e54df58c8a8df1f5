import { describe, expect, it } from 'vitest';

/** lib/cpu.mjs: what the results say of the load generator's and Patina's CPU. */
interface CpuModule {
  parseProcStat: (text: string) => { ppid: number; cpuTicks: number };
  cpuShare: (usage: { cpuSeconds: number; wallSeconds: number; cores: number }) => {
    share: number;
    cores: number;
  };
}

const CPU = new URL('../lib/cpu.mjs', import.meta.url).href;

/** A /proc/<pid>/stat line (proc(5)): pid, (comm), state, ppid, …, utime (14), stime (15), … */
function statLine(comm: string, ppid: number, utime: number, stime: number): string {
  const between = Array.from({ length: 9 }, (_, i) => String(i + 5)).join(' ');
  return `4242 (${comm}) S ${ppid} ${between} ${utime} ${stime} 0 0 20 0 1 0 100 0 0\n`;
}

describe('parseProcStat', () => {
  it('reads the parent pid and utime + stime', async () => {
    const { parseProcStat } = (await import(CPU)) as CpuModule;
    expect(parseProcStat(statLine('wrk', 17, 250, 31))).toEqual({ ppid: 17, cpuTicks: 281 });
  });

  it('counts the fields from the last parenthesis, whatever the command name holds', async () => {
    const { parseProcStat } = (await import(CPU)) as CpuModule;
    expect(parseProcStat(statLine('node (worker) 3', 9, 7, 5))).toEqual({ ppid: 9, cpuTicks: 12 });
  });

  it('refuses a line without a command name or with fields that are not numbers', async () => {
    const { parseProcStat } = (await import(CPU)) as CpuModule;
    expect(() => parseProcStat('4242 wrk S 1 2 3')).toThrow(
      'not a /proc/<pid>/stat line: no command name',
    );
    expect(() => parseProcStat('4242 (wrk) S x')).toThrow(
      'not a /proc/<pid>/stat line: ppid, utime or stime is not a number',
    );
  });
});

describe('cpuShare', () => {
  it('divides CPU seconds by the wall time and the cores', async () => {
    const { cpuShare } = (await import(CPU)) as CpuModule;
    // wrk busy on one core of two for the whole measurement: half the machine, one core.
    expect(cpuShare({ cpuSeconds: 10, wallSeconds: 10, cores: 2 })).toEqual({
      share: 0.5,
      cores: 1,
    });
    expect(cpuShare({ cpuSeconds: 3, wallSeconds: 10, cores: 4 })).toEqual({
      share: 0.075,
      cores: 0.3,
    });
  });

  it('refuses a wall time of zero and a machine without cores', async () => {
    const { cpuShare } = (await import(CPU)) as CpuModule;
    const message = /cpuShare needs cpuSeconds ≥ 0, wallSeconds > 0 and cores ≥ 1/;
    expect(() => cpuShare({ cpuSeconds: 1, wallSeconds: 0, cores: 2 })).toThrow(message);
    expect(() => cpuShare({ cpuSeconds: 1, wallSeconds: 1, cores: 0 })).toThrow(message);
    expect(() => cpuShare({ cpuSeconds: -1, wallSeconds: 1, cores: 2 })).toThrow(message);
  });
});
