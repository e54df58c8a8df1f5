import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Lockout } from '../../src/oauth/lockout.js';

const POLICY = { maxFailures: 3, windowSeconds: 60, durationSeconds: 120 };
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

function setup(maxEntries?: number) {
  const clock = new ManualClock('2026-01-15T10:00:00.000Z');
  return { clock, lockout: new Lockout(POLICY, clock, maxEntries) };
}

function fail(lockout: Lockout, clientId: string, times: number): void {
  for (let i = 0; i < times; i++) lockout.recordFailure(clientId);
}

describe('Lockout', () => {
  it('does not lock below maxFailures and locks at maxFailures', () => {
    const { lockout } = setup();
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 2);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
  });

  it('counts the lock down in whole seconds, rounding up, and ends it after durationSeconds', () => {
    const { clock, lockout } = setup();
    fail(lockout, A, 3);
    clock.advance(1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
    clock.advance(999);
    expect(lockout.retryAfterSeconds(A)).toBe(119);
    clock.advance(59_000);
    expect(lockout.retryAfterSeconds(A)).toBe(60);
    clock.advance(59_999);
    expect(lockout.retryAfterSeconds(A)).toBe(1);
    clock.advance(1);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
  });

  it('locks one client id only', () => {
    const { lockout } = setup();
    fail(lockout, A, 3);
    fail(lockout, B, 2);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
    expect(lockout.retryAfterSeconds(B)).toBe(0);
    expect(lockout.retryAfterSeconds(C)).toBe(0);
  });

  it('counts failures within one window only', () => {
    const { clock, lockout } = setup();
    fail(lockout, A, 2);
    clock.advance(60_001);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
  });

  it('still counts a failure exactly windowSeconds after the first', () => {
    const { clock, lockout } = setup();
    fail(lockout, A, 2);
    clock.advance(60_000);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
  });

  it('measures the window from its first failure, not the latest', () => {
    const { clock, lockout } = setup();
    fail(lockout, A, 1);
    clock.advance(40_000);
    fail(lockout, A, 1);
    clock.advance(40_000);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
  });

  it('clears the count on success', () => {
    const { lockout } = setup();
    fail(lockout, A, 2);
    lockout.recordSuccess(A);
    fail(lockout, A, 2);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
  });

  it('starts a fresh count once a lock has ended', () => {
    const { clock, lockout } = setup();
    fail(lockout, A, 3);
    clock.advance(120_000);
    fail(lockout, A, 2);
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
  });

  it('drops the oldest client id when the map is full', () => {
    const { lockout } = setup(2);
    fail(lockout, A, 3);
    fail(lockout, B, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
    fail(lockout, C, 1);
    // A was the oldest entry: forgotten, lock and all.
    expect(lockout.retryAfterSeconds(A)).toBe(0);
    fail(lockout, B, 2);
    expect(lockout.retryAfterSeconds(B)).toBe(120);
  });

  it('treats a client id that failed again as the newest entry', () => {
    const { lockout } = setup(2);
    fail(lockout, A, 1);
    fail(lockout, B, 1);
    fail(lockout, A, 1);
    fail(lockout, C, 1);
    // B is now the oldest and was dropped; A keeps its two failures.
    fail(lockout, A, 1);
    expect(lockout.retryAfterSeconds(A)).toBe(120);
    fail(lockout, B, 2);
    expect(lockout.retryAfterSeconds(B)).toBe(0);
  });
});
