import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { UsageCounter } from '../../src/pats/usage-counter.js';
import type { UsageIncrement } from '../../src/storage/pat-usage-repository.js';
import { captureLogger } from '../helpers.js';

const P1 = '1'.repeat(32);
const P2 = '2'.repeat(32);

/** A stand-in for the repository: records what is added, refuses while `down`. */
class FakeUsage {
  added: UsageIncrement[][] = [];
  down = false;
  async add(rows: readonly UsageIncrement[]): Promise<void> {
    await Promise.resolve();
    if (this.down) throw new Error('database away');
    this.added.push([...rows]);
  }
  total(): Record<string, { succeeded: number; failed: number }> {
    const sums: Record<string, { succeeded: number; failed: number }> = {};
    for (const row of this.added.flat()) {
      const key = `${row.day} ${row.patId}`;
      const sum = (sums[key] ??= { succeeded: 0, failed: 0 });
      sum.succeeded += row.succeeded;
      sum.failed += row.failed;
    }
    return sums;
  }
}

function counter(options: { logger?: ReturnType<typeof captureLogger>['logger'] } = {}) {
  const usage = new FakeUsage();
  const clock = new ManualClock('2026-01-15T23:59:59.000Z');
  const counts = new UsageCounter({ usage, clock, logger: options.logger });
  return { usage, clock, counts };
}

describe('UsageCounter', () => {
  it('counts per PAT and UTC day, and adds them in one add per flush', async () => {
    const { usage, clock, counts } = counter();
    counts.succeeded(P1);
    counts.failed(P1);
    counts.succeeded(P2);
    clock.advance(2000); // 2026-01-16
    counts.succeeded(P1);
    await counts.flush();
    expect(usage.added).toHaveLength(1);
    expect(usage.total()).toEqual({
      [`2026-01-15 ${P1}`]: { succeeded: 1, failed: 1 },
      [`2026-01-15 ${P2}`]: { succeeded: 1, failed: 0 },
      [`2026-01-16 ${P1}`]: { succeeded: 1, failed: 0 },
    });
    await counts.flush(); // nothing counted since: no add at all
    expect(usage.added).toHaveLength(1);
    await counts.close();
  });

  it('keeps the counts of a flush the database refuses, and adds them with the next', async () => {
    const { usage, counts } = counter();
    counts.succeeded(P1);
    counts.failed(P2);
    usage.down = true;
    await expect(counts.flush()).rejects.toThrow('database away');
    counts.succeeded(P1); // counted while the database is away
    usage.down = false;
    await counts.flush();
    expect(usage.total()).toEqual({
      [`2026-01-15 ${P1}`]: { succeeded: 2, failed: 0 },
      [`2026-01-15 ${P2}`]: { succeeded: 0, failed: 1 },
    });
    await counts.close();
  });

  it('keeps only the rows not added when a flush fails part of the way', async () => {
    const { usage, counts } = counter();
    const ids = Array.from({ length: 1200 }, (_, i) => i.toString(16).padStart(32, '0'));
    for (const id of ids) counts.succeeded(id);
    let calls = 0;
    const add = usage.add.bind(usage);
    usage.add = async (rows) => {
      calls += 1;
      if (calls === 2) throw new Error('database away');
      return add(rows);
    };
    await expect(counts.flush()).rejects.toThrow('database away');
    expect(usage.added.flat()).toHaveLength(500);
    await counts.flush();
    const total = usage.total();
    expect(Object.keys(total)).toHaveLength(1200);
    expect(Object.values(total).every((sum) => sum.succeeded === 1)).toBe(true);
    await counts.close();
  });

  it('counts what arrives while a flush is under way into the next one', async () => {
    const { usage, counts } = counter();
    counts.succeeded(P1);
    const flushing = counts.flush();
    counts.succeeded(P1);
    await flushing;
    await counts.flush();
    expect(usage.total()).toEqual({ [`2026-01-15 ${P1}`]: { succeeded: 2, failed: 0 } });
    await counts.close();
  });

  it('adds what is counted when closed', async () => {
    const { usage, counts } = counter();
    counts.failed(P1);
    await counts.close();
    expect(usage.total()).toEqual({ [`2026-01-15 ${P1}`]: { succeeded: 0, failed: 1 } });
  });

  it('holds at most 100,000 counts: past that, new PATs go uncounted and the log says so', async () => {
    const { logger, lines } = captureLogger('warn');
    const { usage, counts } = counter({ logger });
    const ids = Array.from({ length: 100_001 }, (_, i) => i.toString(16).padStart(32, '0'));
    for (const id of ids) counts.succeeded(id);
    counts.succeeded(ids[0]!); // already held: still counted
    await counts.flush();
    const total = usage.total();
    expect(Object.keys(total)).toHaveLength(100_000);
    expect(total[`2026-01-15 ${ids[0]!}`]).toEqual({ succeeded: 2, failed: 0 });
    expect(total[`2026-01-15 ${ids[100_000]!}`]).toBeUndefined();
    // Several adds of at most 500 rows each.
    expect(usage.added.every((rows) => rows.length <= 500)).toBe(true);
    const warning = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warning).toEqual([
      expect.objectContaining({
        dropped: 1,
        msg: 'usage history: exchanges not counted, too many PATs waiting for the database',
      }),
    ]);
    await counts.close();
  });
});
