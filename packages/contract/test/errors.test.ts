import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_WIRE, OAUTH_ERROR_STATUS } from '../src/index.js';

describe('ERROR_WIRE', () => {
  it('covers every error code, and nothing else', () => {
    expect(Object.keys(ERROR_WIRE).sort()).toEqual([...ERROR_CODES].sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it.each(ERROR_CODES)(
    '%s has a 4xx or 5xx status and a detail code that starts with it',
    (code) => {
      const { status, detailCode } = ERROR_WIRE[code];
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(detailCode).toMatch(new RegExp(`^${status}(\\.\\d+)* \\S`));
    },
  );

  it('uses SailPoint’s detail codes for the statuses SailPoint documents', () => {
    expect(ERROR_WIRE.BAD_REQUEST.detailCode).toBe('400.1 Bad Request Content');
    expect(ERROR_WIRE.REQUIRED_MISSING.detailCode).toBe('400.1.0 Required Data Missing Or Empty');
    expect(ERROR_WIRE.ILLEGAL_VALUE.detailCode).toBe('400.1.3 Illegal value');
    expect(ERROR_WIRE.LIMIT_VIOLATION.detailCode).toBe('400.1.4 Limit violation');
    expect(ERROR_WIRE.REFERENCE_CONFLICT.detailCode).toBe('400.1.409 Reference conflict');
    expect(ERROR_WIRE.FORBIDDEN.detailCode).toBe('403 Forbidden');
    expect(ERROR_WIRE.NOT_FOUND.detailCode).toBe('404 Not found');
    expect(ERROR_WIRE.INTERNAL.detailCode).toBe('500.0 Internal Fault');
  });
});

describe('OAUTH_ERROR_STATUS', () => {
  it('answers bad client credentials with 401 (RFC 6749 §5.2) and every other code with 4xx/5xx', () => {
    expect(OAUTH_ERROR_STATUS.invalid_client).toBe(401);
    for (const [code, status] of Object.entries(OAUTH_ERROR_STATUS)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });
});
