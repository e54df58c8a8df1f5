import { describe, expect, it } from 'vitest';
import { isDateTime, parseDateTime } from '../../src/core/date-time.js';

describe('parseDateTime (RFC 3339 with a real instant and an offset)', () => {
  it.each([
    ['2026-02-05T10:59:27.214Z', '2026-02-05T10:59:27.214Z'],
    ['2026-02-05T10:59:27Z', '2026-02-05T10:59:27.000Z'],
    ['2026-02-05t10:59:27z', '2026-02-05T10:59:27.000Z'],
    ['2026-02-05T12:59:27.5+02:00', '2026-02-05T10:59:27.500Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('accepts %s as %s', (text, iso) => {
    expect(parseDateTime(text)).toEqual({ ok: true, iso });
    expect(isDateTime(text)).toBe(true);
  });

  it.each([
    ['tomorrow', 'format'],
    ['2026-02-05', 'format'],
    ['2026-02-05 10:59:27Z', 'format'],
    ['2026-02-05T10:59:27', 'timezone'],
    ['2026-02-30T00:00:00Z', 'calendar'],
    ['2025-02-29T00:00:00Z', 'calendar'],
    ['2026-13-01T00:00:00Z', 'calendar'],
    ['2026-00-10T00:00:00Z', 'calendar'],
    ['2026-01-00T00:00:00Z', 'calendar'],
    ['2026-01-01T24:00:00Z', 'calendar'],
    ['2026-01-01T23:60:00Z', 'calendar'],
    ['2026-01-01T23:59:60Z', 'calendar'],
    ['2026-01-01T00:00:00+24:00', 'calendar'],
    ['2026-01-01T00:00:00+01:60', 'calendar'],
  ] as const)('refuses %s (%s)', (text, reason) => {
    expect(parseDateTime(text)).toEqual({ ok: false, reason });
    expect(isDateTime(text)).toBe(false);
  });
});
