import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * How many one-time lines a measurement gets, and the freshness rule of S7's DPoP proofs: a
 * measurement that would end after its lines go stale fails, before anything is measured when
 * --seconds alone is too long, else as soon as making them took too long.
 */
interface Scenario {
  id: string;
  oneTime: { pacedBy: string; lines: (count: number) => string[]; freshForSeconds?: number };
}
interface OneTimeModule {
  checkFreshness: (list: Scenario[], seconds: number) => void;
  makeOneTimeLines: (
    scenario: Scenario,
    options: {
      seconds: number;
      workDir: string;
      fastest: Map<string, number>;
      margin?: number;
      now?: () => number;
    },
  ) => { file: string; count: number; makingSeconds: number; remove: () => void };
}

const ONE_TIME = new URL('../lib/one-time.mjs', import.meta.url).href;
const load = async () => (await import(ONE_TIME)) as OneTimeModule;

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-bench-lines-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function scenario(freshForSeconds?: number): Scenario {
  return {
    id: 'S7',
    oneTime: {
      pacedBy: 'S2',
      lines: (count) => Array.from({ length: count }, (_, i) => `proof-${i}`),
      ...(freshForSeconds !== undefined && { freshForSeconds }),
    },
  };
}

/** A clock that moves `stepMs` at every reading. */
function steppingClock(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

describe('one-time lines', () => {
  it('makes `margin` × the pace instead of 1.5 × when given one (a smoke run)', async () => {
    const { makeOneTimeLines } = await load();
    const fastest = new Map([['S2', 1_000]]);
    const made = makeOneTimeLines(scenario(), {
      seconds: 1,
      workDir: workDir(),
      fastest,
      margin: 5,
    });
    expect(made.count).toBe(5_000);
    made.remove();
  });

  it('makes 1.5 × the faster of the pace scenario and the scenario itself × the seconds', async () => {
    const { makeOneTimeLines } = await load();
    const fastest = new Map([
      ['S2', 1_000],
      ['S7', 1_200],
    ]);
    const made = makeOneTimeLines(scenario(), { seconds: 3, workDir: workDir(), fastest });
    expect(made.count).toBe(5_400);
    expect(readFileSync(made.file, 'utf8').split('\n').filter(Boolean)).toHaveLength(5_400);
    made.remove();
    expect(existsSync(made.file)).toBe(false);
  });

  it('makes 10,000 a second when neither has run', async () => {
    const { makeOneTimeLines } = await load();
    const made = makeOneTimeLines(scenario(), {
      seconds: 2,
      workDir: workDir(),
      fastest: new Map(),
    });
    expect(made.count).toBe(20_000);
  });

  it('refuses --seconds longer than the lines stay good, before anything is made', async () => {
    const { checkFreshness } = await load();
    expect(() => checkFreshness([scenario(50)], 51)).toThrow(
      'S7: --seconds 51 is longer than its one-time lines stay good (50 s after they are made); use --seconds 50 or fewer, or leave S7 out with --only',
    );
    expect(() => checkFreshness([scenario(50)], 50)).not.toThrow();
    expect(() => checkFreshness([scenario()], 600)).not.toThrow();
  });

  it('fails when making the lines took so long that the measurement would send stale ones', async () => {
    const { makeOneTimeLines } = await load();
    const dir = workDir();
    const options = { seconds: 10, workDir: dir, fastest: new Map([['S2', 100]]) };
    // 41 s of making and a 10 s measurement: past 50 s.
    expect(() =>
      makeOneTimeLines(scenario(50), { ...options, now: steppingClock(41_000) }),
    ).toThrow(
      'S7: its one-time lines are good for 50 s after they are made; 41.0 s of making 1500 and a 10 s measurement would outlast that (use fewer --seconds)',
    );
    expect(existsSync(join(dir, 'S7-once.txt'))).toBe(false);
    // 40 s of making: just in time.
    const made = makeOneTimeLines(scenario(50), { ...options, now: steppingClock(40_000) });
    expect(made.makingSeconds).toBe(40);
  });
});
