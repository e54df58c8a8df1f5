import { describe, expect, it } from 'vitest';
import { PatinaError } from '../../src/core/errors.js';
import { addMonthsUtc } from '@patina/contract';
import { resolveExpiry, type ExpiryRequest } from '../../src/pats/expiry.js';
import { MAX_EXPIRY, NEVER_EXPIRING_REFUSED, START } from '../helpers.js';

/** The start clock of the HTTP tests, so that MAX_EXPIRY is NOW + 6 calendar months. */
const NOW = new Date(START);

function request(overrides: Partial<ExpiryRequest> = {}): ExpiryRequest {
  return {
    rule: 'defaulted',
    created: NOW,
    now: NOW,
    expirationDate: undefined,
    userAwareTokenNeverExpires: false,
    policy: { maxLifetimeMonths: 6, allowNeverExpiring: false },
    ...overrides,
  };
}

function refusal(overrides: Partial<ExpiryRequest>): PatinaError {
  try {
    resolveExpiry(request(overrides));
  } catch (error) {
    if (error instanceof PatinaError) return error;
    throw error;
  }
  throw new Error('resolveExpiry accepted the request');
}

function expectRefusal(
  overrides: Partial<ExpiryRequest>,
  expected: { code: string; field: string; message: string },
): void {
  const error = refusal(overrides);
  expect({ code: error.code, field: error.field, message: error.message }).toEqual(expected);
}

const NEVER_EXPIRING_DENIED = {
  code: 'ILLEGAL_VALUE',
  field: 'userAwareTokenNeverExpires',
  message: NEVER_EXPIRING_REFUSED,
};
const NOT_IN_FUTURE = {
  code: 'ILLEGAL_VALUE',
  field: 'expirationDate',
  message: "'expirationDate' must be in the future",
};

describe('addMonthsUtc', () => {
  const add = (iso: string, months: number) => addMonthsUtc(new Date(iso), months).toISOString();

  it('adds calendar months, keeping the time of day and the milliseconds', () => {
    expect(add('2026-01-15T10:00:00.000Z', 6)).toBe('2026-07-15T10:00:00.000Z');
    expect(add('2026-05-20T23:59:59.999Z', 1)).toBe('2026-06-20T23:59:59.999Z');
    expect(add('2026-11-30T00:00:00.001Z', 3)).toBe('2027-02-28T00:00:00.001Z');
    expect(add('2026-03-10T08:15:30.250Z', 12)).toBe('2027-03-10T08:15:30.250Z');
    expect(add('2026-03-10T08:15:30.250Z', 0)).toBe('2026-03-10T08:15:30.250Z');
  });

  it('clamps to the last day of a shorter month', () => {
    expect(add('2025-08-31T13:45:12.345Z', 6)).toBe('2026-02-28T13:45:12.345Z');
    expect(add('2026-01-31T10:00:00.000Z', 1)).toBe('2026-02-28T10:00:00.000Z');
    expect(add('2026-03-31T10:00:00.000Z', 1)).toBe('2026-04-30T10:00:00.000Z');
    expect(add('2026-05-31T10:00:00.000Z', 6)).toBe('2026-11-30T10:00:00.000Z');
  });

  it('lands on February 29 in a leap year', () => {
    expect(add('2027-08-31T13:45:12.345Z', 6)).toBe('2028-02-29T13:45:12.345Z');
    expect(add('2028-01-31T00:00:00.000Z', 1)).toBe('2028-02-29T00:00:00.000Z');
    expect(add('2028-02-29T12:00:00.000Z', 12)).toBe('2029-02-28T12:00:00.000Z');
    expect(add('2027-02-28T12:00:00.000Z', 12)).toBe('2028-02-28T12:00:00.000Z');
  });

  it('does not change its argument', () => {
    const date = new Date('2025-08-31T13:45:12.345Z');
    addMonthsUtc(date, 6);
    expect(date.toISOString()).toBe('2025-08-31T13:45:12.345Z');
  });
});

describe('resolveExpiry without a date', () => {
  it('defaults to created + maxLifetime under the defaulted rule, absent or null', () => {
    const expected = { expirationDate: MAX_EXPIRY, userAwareTokenNeverExpires: false };
    expect(resolveExpiry(request({ expirationDate: undefined }))).toEqual(expected);
    expect(resolveExpiry(request({ expirationDate: null }))).toEqual(expected);
  });

  it('measures the default from creation, not from now', () => {
    const later = new Date('2026-03-01T00:00:00.000Z');
    expect(resolveExpiry(request({ now: later }))).toEqual({
      expirationDate: MAX_EXPIRY,
      userAwareTokenNeverExpires: false,
    });
  });

  it('follows the configured maxLifetimeMonths', () => {
    const policy = { maxLifetimeMonths: 1, allowNeverExpiring: false };
    expect(resolveExpiry(request({ policy })).expirationDate).toBe('2026-02-15T10:00:00.000Z');
  });

  it('requires a date under the explicit rule', () => {
    const expected = {
      code: 'REQUIRED_MISSING',
      field: 'expirationDate',
      message: "'expirationDate' is required unless 'userAwareTokenNeverExpires' is true",
    };
    expectRefusal({ rule: 'explicit', expirationDate: undefined }, expected);
    expectRefusal({ rule: 'explicit', expirationDate: null }, expected);
  });

  it('refuses a never-expiring PAT under either rule when the policy denies it', () => {
    for (const rule of ['defaulted', 'explicit'] as const) {
      expectRefusal({ rule, userAwareTokenNeverExpires: true }, NEVER_EXPIRING_DENIED);
      expectRefusal(
        { rule, expirationDate: null, userAwareTokenNeverExpires: true },
        NEVER_EXPIRING_DENIED,
      );
    }
  });

  it('grants a never-expiring PAT under either rule when the policy allows it', () => {
    const policy = { maxLifetimeMonths: 6, allowNeverExpiring: true };
    for (const rule of ['defaulted', 'explicit'] as const) {
      expect(resolveExpiry(request({ rule, policy, userAwareTokenNeverExpires: true }))).toEqual({
        expirationDate: null,
        userAwareTokenNeverExpires: true,
      });
    }
  });

  it('still defaults the date when never-expiring is allowed but not asked for', () => {
    const policy = { maxLifetimeMonths: 6, allowNeverExpiring: true };
    expect(resolveExpiry(request({ policy }))).toEqual({
      expirationDate: MAX_EXPIRY,
      userAwareTokenNeverExpires: false,
    });
  });
});

describe('resolveExpiry with a date', () => {
  it('accepts a date between now and the maximum, normalised to UTC milliseconds', () => {
    for (const rule of ['defaulted', 'explicit'] as const) {
      expect(resolveExpiry(request({ rule, expirationDate: '2026-03-01T12:00:00+02:00' }))).toEqual(
        { expirationDate: '2026-03-01T10:00:00.000Z', userAwareTokenNeverExpires: false },
      );
    }
  });

  it('refuses the date together with userAwareTokenNeverExpires, even when allowed', () => {
    for (const allowNeverExpiring of [false, true]) {
      expectRefusal(
        {
          expirationDate: '2026-03-01T00:00:00.000Z',
          userAwareTokenNeverExpires: true,
          policy: { maxLifetimeMonths: 6, allowNeverExpiring },
        },
        {
          code: 'ILLEGAL_VALUE',
          field: 'userAwareTokenNeverExpires',
          message:
            "'userAwareTokenNeverExpires' may be true only when 'expirationDate' is absent or null",
        },
      );
    }
  });

  it('refuses a date that is not a date', () => {
    expectRefusal(
      { expirationDate: 'next tuesday' },
      {
        code: 'ILLEGAL_VALUE',
        field: 'expirationDate',
        message: "'expirationDate' must be an RFC 3339 date-time",
      },
    );
  });

  it('refuses a past date and exactly now, accepts one millisecond later', () => {
    expectRefusal({ expirationDate: '2025-01-15T10:00:00.000Z' }, NOT_IN_FUTURE);
    expectRefusal({ expirationDate: '2026-01-15T09:59:59.999Z' }, NOT_IN_FUTURE);
    expectRefusal({ expirationDate: '2026-01-15T10:00:00.000Z' }, NOT_IN_FUTURE);
    expectRefusal({ rule: 'explicit', expirationDate: NOW.toISOString() }, NOT_IN_FUTURE);
    expect(resolveExpiry(request({ expirationDate: '2026-01-15T10:00:00.001Z' }))).toEqual({
      expirationDate: '2026-01-15T10:00:00.001Z',
      userAwareTokenNeverExpires: false,
    });
  });

  it('accepts exactly the maximum and refuses one millisecond more', () => {
    for (const rule of ['defaulted', 'explicit'] as const) {
      expect(resolveExpiry(request({ rule, expirationDate: MAX_EXPIRY }))).toEqual({
        expirationDate: MAX_EXPIRY,
        userAwareTokenNeverExpires: false,
      });
      expectRefusal(
        { rule, expirationDate: '2026-07-15T10:00:00.001Z' },
        {
          code: 'ILLEGAL_VALUE',
          field: 'expirationDate',
          message: `'expirationDate' must be no later than ${MAX_EXPIRY} (6 months after creation)`,
        },
      );
    }
  });

  it('bounds a date by creation + maxLifetime when the PAT is changed later', () => {
    const created = new Date('2025-08-31T13:45:12.345Z');
    const now = new Date('2026-01-15T10:00:00.000Z');
    expect(
      resolveExpiry(request({ created, now, expirationDate: '2026-02-28T13:45:12.345Z' })),
    ).toEqual({ expirationDate: '2026-02-28T13:45:12.345Z', userAwareTokenNeverExpires: false });
    expectRefusal(
      { created, now, expirationDate: '2026-03-01T00:00:00.000Z' },
      {
        code: 'ILLEGAL_VALUE',
        field: 'expirationDate',
        message:
          "'expirationDate' must be no later than 2026-02-28T13:45:12.345Z (6 months after creation)",
      },
    );
  });

  it('names the configured lifetime in the message', () => {
    expectRefusal(
      {
        expirationDate: '2026-03-01T00:00:00.000Z',
        policy: { maxLifetimeMonths: 1, allowNeverExpiring: false },
      },
      {
        code: 'ILLEGAL_VALUE',
        field: 'expirationDate',
        message:
          "'expirationDate' must be no later than 2026-02-15T10:00:00.000Z (1 month after creation)",
      },
    );
  });
});
