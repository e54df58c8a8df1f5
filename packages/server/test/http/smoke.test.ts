import { describe, expect, it } from 'vitest';
import { CREATE_RESPONSE_KEYS, startTestApp, V3 } from '../helpers.js';

describe('the app end to end in-process', () => {
  it('creates a PAT for the caller, exchanges it, and lists it', async () => {
    const t = await startTestApp();
    t.clock.advance(1000);
    const created = await t.postPat({ name: '  NodeJS Integration  ' });
    expect(created.statusCode).toBe(200);
    const body = created.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(CREATE_RESPONSE_KEYS);
    expect(body.name).toBe('NodeJS Integration');
    expect(body.secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);

    const exchanged = await t.exchange(body.id as string, body.secret as string);
    expect(exchanged.statusCode).toBe(200);

    const listed = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: t.admin.token,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ name: string }[]>().map((p) => p.name)).toEqual([
      'login',
      'NodeJS Integration',
    ]);
  });
});
