import { describe, expect, it } from 'vitest';
import { randomHexId } from '../../src/core/ids.js';

describe('randomHexId', () => {
  it('gives 32 hex characters', () => {
    expect(randomHexId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never repeats, across many refills of its pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) seen.add(randomHexId());
    expect(seen.size).toBe(5_000);
  });

  it('draws fresh bytes: the hex digits are spread evenly over a large sample', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      for (const digit of randomHexId()) counts.set(digit, (counts.get(digit) ?? 0) + 1);
    }
    // 64,000 digits, 4,000 expected per digit; a stuck or zeroed pool would miss by far more.
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(Math.abs(n - 4_000)).toBeLessThan(400);
  });
});
