import { describe, expect, it } from 'vitest';
import { PATINA_PATS } from '../lifecycle/helpers.js';
import { startMetricsApp, value } from './scrapes.js';

describe('patina_pat_events_total', () => {
  it('counts creations, rotations, deletions and leak revocations, whichever way they come', async () => {
    const { t, scrape } = await startMetricsApp();
    const before = await scrape();
    const created = await t.postPat({ name: 'ci' });
    expect(created.statusCode).toBe(200);
    const { id } = created.json<{ id: string }>();
    const minted = await t.mintPat(t.admin.identity.id, { name: 'minted' });
    const leaked = await t.mintPat(t.admin.identity.id, { name: 'leaked' });
    const rotated = await t.request({
      method: 'POST',
      url: `${PATINA_PATS}/${id}/rotate`,
      token: t.admin.token,
      json: {},
    });
    expect(rotated.statusCode).toBe(200);
    expect((await t.deletePat(minted.id)).statusCode).toBe(204);
    const report = await t.app.inject({
      method: 'POST',
      url: '/patina/v1/credentials/revoke',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ credentials: [leaked.secret] }),
    });
    expect(report.statusCode).toBe(202);
    // A request that fails changes nothing and counts nothing.
    expect((await t.deletePat(minted.id)).statusCode).toBe(404);

    const text = await scrape();
    const moved = (event: string) =>
      (value(text, 'patina_pat_events_total', { event }) ?? 0) -
      (value(before, 'patina_pat_events_total', { event }) ?? 0);
    expect({
      created: moved('created'),
      rotated: moved('rotated'),
      deleted: moved('deleted'),
      leak_revoked: moved('leak_revoked'),
    }).toEqual({ created: 3, rotated: 1, deleted: 1, leak_revoked: 1 });
  });
});
