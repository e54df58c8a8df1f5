import { WEBHOOK_MAX_BODY_BYTES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { fitted } from '../../src/notifications/outbox.js';

/** 2,000 scopes of ~60 characters: far over the body limit. */
const MANY = Array.from({ length: 2000 }, (_, i) => `orders:write:region-${i}`.padEnd(60, 'x'));

describe('fitted webhook bodies', () => {
  it.each([
    ['a PAT', 'personalAccessToken'],
    ['an approval request', 'request'],
  ])('cuts the scope list of %s until the body fits, and nothing else', (_, key) => {
    const body = {
      type: 'pat_request.created',
      timestamp: '2026-01-15T10:00:00.000Z',
      data: { auditEventId: 'a1', [key]: { id: 'x', scope: [...MANY], sensitiveScopes: ['s:w'] } },
    };
    const text = fitted(body);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(WEBHOOK_MAX_BODY_BYTES);
    const sent = JSON.parse(text) as {
      data: Record<string, { scope: string[]; sensitiveScopes: string[] }>;
    };
    const scope = sent.data[key]!.scope;
    expect(scope.length).toBeGreaterThan(0);
    expect(scope).toEqual(MANY.slice(0, scope.length));
    expect(sent.data[key]!.sensitiveScopes).toEqual(['s:w']);
  });
});
