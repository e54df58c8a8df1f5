import { describe, expect, it } from 'vitest';
import { safeError } from '../../src/core/log.js';

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
