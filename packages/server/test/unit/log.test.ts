import { describe, expect, it } from 'vitest';
import { createLogger, describeError, LOG_FORMATS, safeError } from '../../src/core/log.js';

describe('the log serialiser of errors', () => {
  it('keeps type, code, message and stack, and drops every other field a driver attaches', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (secret_digest)=(c2VjcmV0LWRpZ2VzdA) already exists.',
      where: 'SQL statement',
      args: ['patina:lockout:failures:abc'],
    });
    const logged = safeError(error);
    expect(Object.keys(logged).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(logged).toMatchObject({ type: 'Error', code: '23505', message: error.message });
    expect(JSON.stringify(logged)).not.toContain('c2VjcmV0LWRpZ2VzdA');
  });

  it('writes a thrown non-error as its text', () => {
    expect(safeError('boom')).toEqual({ message: 'boom' });
  });
});

describe('errors for people and logs', () => {
  it('takes a plain { message } object as its message, not "[object Object]"', () => {
    expect(
      safeError({ message: 'connect ECONNREFUSED 127.0.0.1:5499', code: 'ECONNREFUSED' }),
    ).toEqual({ message: 'connect ECONNREFUSED 127.0.0.1:5499', code: 'ECONNREFUSED' });
  });

  it('never writes the password of a URL', () => {
    const error = new Error('cannot reach postgres://patina:s3cret-pw@db.internal:5432/patina');
    expect(JSON.stringify(safeError(error))).not.toContain('s3cret-pw');
    expect(describeError(error)).toBe('cannot reach postgres://patina:***@db.internal:5432/patina');
  });

  it('describes an error with its code and the causes under it', () => {
    const cause = Object.assign(new Error('database "x" does not exist'), { code: '3D000' });
    expect(describeError(new Error('Cannot open the database', { cause }))).toBe(
      'Cannot open the database: database "x" does not exist (3D000)',
    );
  });
});

describe('the log formats', () => {
  /** A logger of the format whose lines are kept, and the lines it wrote. */
  function capture(format: (typeof LOG_FORMATS)[number]) {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      format,
      destination: { write: (line) => lines.push(line) },
    });
    return { logger, lines };
  }

  // A driver error as it would reach the log: a password in the URL of its message, a digest in
  // a field the serialiser drops.
  const driverError = () =>
    Object.assign(new Error('cannot reach postgres://patina:s3cret-pw@db.internal:5432/patina'), {
      code: 'ECONNREFUSED',
      detail: 'Key (secret_digest)=(c2VjcmV0LWRpZ2VzdA) already exists.',
    });

  it('writes one JSON object a line by default', () => {
    const { logger, lines } = capture('json');
    logger.info({ method: 'GET', path: '/health', statusCode: 200 }, 'request');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      service: 'patina',
      msg: 'request',
      method: 'GET',
      path: '/health',
      statusCode: 200,
    });
  });

  it('writes a pretty line with the level and message first and the same fields, not JSON', () => {
    const { logger, lines } = capture('pretty');
    logger.info({ method: 'GET', path: '/health', statusCode: 200 }, 'request');
    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(lines[0]!) as unknown).toThrow();
    expect(lines[0]).toMatch(/INFO.*request/);
    expect(lines[0]).toContain('"path":"/health","statusCode":200');
  });

  it.each(LOG_FORMATS)('leaves out in %s what the serialisers leave out', (format) => {
    const { logger, lines } = capture(format);
    logger.error({ err: driverError() }, 'database unreachable');
    const text = lines.join('');
    expect(text).toContain('database unreachable');
    expect(text).toContain('ECONNREFUSED');
    expect(text).toContain('postgres://patina:***@db.internal');
    expect(text).not.toContain('s3cret-pw');
    expect(text).not.toContain('c2VjcmV0LWRpZ2VzdA');
  });
});
