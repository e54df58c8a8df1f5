import { describe, expect, it } from 'vitest';

/** lib/report.mjs and lib/verification.mjs: the targets of issue 29 and what feeds them. */
interface Target {
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
  notEvaluable?: string;
}
interface ReportModule {
  evaluateTargets: (results: unknown) => Target[];
  isMet: (t: {
    value: number | null;
    min?: number;
    max?: number;
    below?: number;
  }) => boolean | null;
}
interface VerifyRound {
  verificationsPerSecond: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
}
interface VerificationModule {
  summarizeVerification: (
    rounds: { verify: VerifyRound[]; jose: VerifyRound[] },
    freshAtEnd: boolean,
  ) => {
    ratio: number;
    ratioPerRound: number[];
    verify: { verificationsPerSecond: number; p50Ms: number; p99Ms: number };
    jose: { verificationsPerSecond: number };
  };
}

const REPORT = new URL('../lib/report.mjs', import.meta.url).href;
const VERIFICATION = new URL('../lib/verification.mjs', import.meta.url).href;
const WORKERS_TARGET = 'S1 with C − 1 workers ≥ 0.7 × (C − 1) × S1 with 1 worker';

function results(cores: number, rps: Record<string, number>, verification?: unknown) {
  return {
    settings: { connections: 50 },
    machine: { nproc: cores },
    scenarios: Object.entries(rps).map(([id, requestsPerSecond]) => ({
      id,
      median: { requestsPerSecond, p50Ms: 1, p99Ms: 2 },
    })),
    memory: [],
    verification,
  };
}

async function target(name: string, input: unknown): Promise<Target> {
  const { evaluateTargets } = (await import(REPORT)) as ReportModule;
  const found = evaluateTargets(input).find((t) => t.target === name);
  if (!found) throw new Error(`no target ${name}`);
  return found;
}

describe('the workers target', () => {
  it('is not evaluable on fewer than 4 cores, and never met there', async () => {
    for (const cores of [1, 2, 3]) {
      const t = await target(
        WORKERS_TARGET,
        results(cores, { 'S1-w1': 1000, 'S1-wauto': 5000, 'S1-w2': 5000 }),
      );
      expect(t).toMatchObject({ value: null, met: null });
      expect(t.notEvaluable).toBe(`not evaluable on ${cores} cores`);
    }
  });

  it('on C ≥ 4 cores compares C − 1 workers with (C − 1) × one worker', async () => {
    const met = await target(WORKERS_TARGET, results(4, { 'S1-w1': 1000, 'S1-w3': 2200 }));
    expect(met.value).toBeCloseTo(2200 / 3000, 10);
    expect(met.met).toBe(true);
    expect(met.notEvaluable).toBeUndefined();
    const missed = await target(WORKERS_TARGET, results(8, { 'S1-w1': 1000, 'S1-w7': 4800 }));
    expect(missed.value).toBeCloseTo(4800 / 7000, 10);
    expect(missed.met).toBe(false);
  });

  it('on C ≥ 4 cores without the C − 1 phase is not run, not met', async () => {
    const t = await target(WORKERS_TARGET, results(4, { 'S1-w1': 1000, 'S1-wauto': 3000 }));
    expect(t).toMatchObject({ value: null, met: null });
  });
});

describe('the introspection and verification targets', () => {
  it('compare S8 with S2 of the same run', async () => {
    const t = await target('S8 (introspection) ≥ 0.8 × S2', results(2, { S2: 5000, S8: 3900 }));
    expect(t.value).toBeCloseTo(0.78, 10);
    expect(t.met).toBe(false);
  });

  it('take verify ÷ jose and the p99 of verify from the verification phase', async () => {
    const verification = { ratio: 0.93, verify: { p99Ms: 0.4 } };
    const ratio = await target(
      '@patina/verify ≥ 0.9 × jose jwtVerify alone (verifications/s)',
      results(2, {}, verification),
    );
    expect(ratio).toMatchObject({ value: 0.93, met: true });
    const p99 = await target('p99 of @patina/verify < 1 ms', results(2, {}, verification));
    expect(p99).toMatchObject({ value: 0.4, met: true });
    const notRun = await target('p99 of @patina/verify < 1 ms', results(2, {}, null));
    expect(notRun).toMatchObject({ value: null, met: null });
  });
});

describe('isMet', () => {
  it('treats `below` as strictly less, `max` as at most', async () => {
    const { isMet } = (await import(REPORT)) as ReportModule;
    expect(isMet({ value: 1, below: 1 })).toBe(false);
    expect(isMet({ value: 0.999, below: 1 })).toBe(true);
    expect(isMet({ value: 1, max: 1 })).toBe(true);
    expect(isMet({ value: null, min: 1 })).toBeNull();
  });
});

describe('summarizeVerification', () => {
  const round = (verificationsPerSecond: number, p99Ms: number): VerifyRound => ({
    verificationsPerSecond,
    count: verificationsPerSecond,
    p50Ms: p99Ms / 2,
    p99Ms,
  });

  it('takes medians per path and verify ÷ jose of the medians and of each round', async () => {
    const { summarizeVerification } = (await import(VERIFICATION)) as VerificationModule;
    const summary = summarizeVerification(
      {
        verify: [round(900, 0.3), round(800, 0.5), round(1000, 0.2)],
        jose: [round(1000, 0.2), round(1000, 0.4), round(1250, 0.1)],
      },
      true,
    );
    expect(summary.verify).toMatchObject({ verificationsPerSecond: 900, p99Ms: 0.3 });
    expect(summary.jose.verificationsPerSecond).toBe(1000);
    expect(summary.ratio).toBeCloseTo(0.9, 10);
    expect(summary.ratioPerRound).toEqual([0.9, 0.8, 0.8]);
  });

  it('refuses rounds that are not pairs', async () => {
    const { summarizeVerification } = (await import(VERIFICATION)) as VerificationModule;
    expect(() => summarizeVerification({ verify: [round(1, 1)], jose: [] }, true)).toThrow(
      'the verification rounds must be pairs: as many of verify as of jose',
    );
  });
});
