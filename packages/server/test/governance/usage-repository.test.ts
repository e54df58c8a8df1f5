import { describe, expect, it, onTestFinished } from 'vitest';
import { openTestStorage } from '../dialect.js';

const P1 = '1'.repeat(32);
const P2 = '2'.repeat(32);

async function repo() {
  const storage = await openTestStorage();
  onTestFinished(() => storage.close());
  return storage.repos.patUsage;
}

describe('PatUsageRepository', () => {
  it('adds to the stored counts, merging rows of the same PAT and day', async () => {
    const usage = await repo();
    await usage.add([
      { patId: P1, day: '2026-01-15', succeeded: 2, failed: 1 },
      { patId: P1, day: '2026-01-15', succeeded: 3, failed: 0 },
      { patId: P2, day: '2026-01-14', succeeded: 0, failed: 4 },
    ]);
    await usage.add([{ patId: P1, day: '2026-01-15', succeeded: 10, failed: 10 }]);
    await usage.add([]);
    const range = { fromDay: '2026-01-14', toDay: '2026-01-15' };
    expect(await usage.forPat(P1, range)).toEqual([
      { day: '2026-01-14', succeeded: 0, failed: 0 },
      { day: '2026-01-15', succeeded: 15, failed: 11 },
    ]);
    expect(await usage.forPat(P2, range)).toEqual([
      { day: '2026-01-14', succeeded: 0, failed: 4 },
      { day: '2026-01-15', succeeded: 0, failed: 0 },
    ]);
  });

  it('adds more rows than one statement takes', async () => {
    const usage = await repo();
    const ids = Array.from({ length: 1234 }, (_, i) => i.toString(16).padStart(32, '0'));
    const rows = ids.map((patId) => ({ patId, day: '2026-01-15', succeeded: 1, failed: 0 }));
    await usage.add(rows);
    await usage.add(rows);
    const found = await usage.forPats(ids, { fromDay: '2026-01-15', toDay: '2026-01-15' });
    expect(found.size).toBe(ids.length);
    for (const id of ids) {
      expect(found.get(id)).toEqual([{ day: '2026-01-15', succeeded: 2, failed: 0 }]);
    }
  });

  it('answers every day of the range, oldest first, and an entry for every PAT asked for', async () => {
    const usage = await repo();
    await usage.add([{ patId: P1, day: '2026-02-28', succeeded: 1, failed: 0 }]);
    const found = await usage.forPats([P1, P2], { fromDay: '2026-02-27', toDay: '2026-03-01' });
    expect([...found.keys()]).toEqual([P1, P2]);
    expect(found.get(P1)).toEqual([
      { day: '2026-02-27', succeeded: 0, failed: 0 },
      { day: '2026-02-28', succeeded: 1, failed: 0 },
      { day: '2026-03-01', succeeded: 0, failed: 0 },
    ]);
    expect(found.get(P2)?.map((day) => day.succeeded + day.failed)).toEqual([0, 0, 0]);
    expect(await usage.forPats([], { fromDay: '2026-02-27', toDay: '2026-03-01' })).toEqual(
      new Map(),
    );
  });

  it('prunes the days before a day, and only those', async () => {
    const usage = await repo();
    await usage.add([
      { patId: P1, day: '2026-01-13', succeeded: 1, failed: 0 },
      { patId: P2, day: '2026-01-14', succeeded: 1, failed: 0 },
      { patId: P1, day: '2026-01-15', succeeded: 1, failed: 0 },
    ]);
    expect(await usage.prune('2026-01-15')).toBe(2);
    expect(await usage.prune('2026-01-15')).toBe(0);
    const found = await usage.forPats([P1, P2], { fromDay: '2026-01-13', toDay: '2026-01-15' });
    expect(found.get(P1)?.map((day) => day.succeeded)).toEqual([0, 0, 1]);
    expect(found.get(P2)?.map((day) => day.succeeded)).toEqual([0, 0, 0]);
  });
});
