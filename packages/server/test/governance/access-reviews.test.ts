import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  DAY_MS,
  expectSailPointError,
  HEX32,
  MAX_EXPIRY,
  START,
} from '../helpers.js';
import {
  createReview,
  decide,
  getReview,
  itemFor,
  itemsOf,
  OWNER,
  ordersReview,
  REV_ID,
  REVIEWS,
  reviewApp,
  RVI_ID,
  send,
  type Item,
} from './review-setup.js';

const CONFLICT = '409 Conflict';
const ILLEGAL = '400.1.3 Illegal value';

describe('access reviews', () => {
  it('starts a campaign reviewed by each PAT’s owner, who sees and decides only its own items', async () => {
    const { t, olga, bob, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    expect(review).toMatchObject({
      name: 'Q1 orders review',
      status: 'OPEN',
      selection: { scopes: ['orders:*'], ownerRoles: ['USER'] },
      reviewers: 'OWNER',
      deadline: new Date(Date.parse(START) + 7 * DAY_MS).toISOString(),
      whenUndecided: 'revoke',
      every: null,
      nextStartAt: null,
      previousId: null,
      createdBy: { id: t.admin.identity.id, name: 'Ada Admin' },
      created: START,
      closedAt: null,
      progress: { total: 3, decided: 0, certified: 0, revoked: 0, pending: 3 },
    });
    expect(review.id).toMatch(REV_ID);

    const [started] = await t.auditEvents('ACCESS_REVIEW_STARTED');
    expect(started).toMatchObject({ target_type: 'ACCESS_REVIEW', target_id: review.id });
    expect(JSON.parse(started!.details)).toStrictEqual({
      items: 3,
      deadline: review.deadline,
      whenUndecided: 'revoke',
      reviewerIds: [olga.identity.id, bob.identity.id].sort(),
    });

    const mine = await itemsOf(t, review.id, olga.token, '?reviewer=me');
    expect(mine.map((i) => i.pat.name).sort()).toStrictEqual(['olga-read', 'olga-write']);
    // Without a filter a reviewer still sees only what it may decide.
    expect((await itemsOf(t, review.id, bob.token)).map((i) => i.pat.name)).toStrictEqual([
      'bob-read',
    ]);
    expect(await itemsOf(t, review.id)).toHaveLength(3);
    const page = await send(t, 'GET', `${REVIEWS}/${review.id}/items?count=true&limit=1`);
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.json()).toHaveLength(1);
    const counted = await send(t, 'GET', `${REVIEWS}?count=true`);
    expect(counted.headers['x-total-count']).toBe('1');
    // A reviewer lists the campaigns it reviews in.
    const listed = await send(t, 'GET', `${REVIEWS}?status=open`, undefined, bob.token);
    expect(listed.json<{ id: string }[]>().map((r) => r.id)).toStrictEqual([review.id]);

    const item = mine.find((i) => i.pat.id === pats.olgaRead.id)!;
    const decided = await decide(
      t,
      review.id,
      item.id,
      { decision: 'certify', comment: 'still used by the nightly job' },
      olga,
    );
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({
      id: item.id,
      outcome: 'CERTIFIED',
      decision: 'certify',
      decidedBy: { id: olga.identity.id, name: 'Olga Owner' },
      decidedAt: START,
      comment: 'still used by the nightly job',
      expirationDate: null,
    });
    expect((await getReview(t, review.id)).progress).toStrictEqual({
      total: 3,
      decided: 1,
      certified: 1,
      revoked: 0,
      pending: 2,
    });
    const [event] = await t.auditEvents('ACCESS_REVIEW_DECIDED');
    expect(JSON.parse(event!.details)).toStrictEqual({
      itemId: item.id,
      patId: pats.olgaRead.id,
      decision: 'certify',
      comment: 'still used by the nightly job',
    });
    expect(event!.actor_id).toBe(olga.identity.id);

    // Bob reviews in this campaign, but not Olga's items: refused.
    const other = await decide(
      t,
      review.id,
      mine[1]!.id,
      { decision: 'revoke', comment: 'x' },
      bob,
    );
    expectSailPointError(
      other,
      403,
      '403 Forbidden',
      'Only a reviewer of this item, or an administrator with sp:all-personal-access-tokens:manage, may decide it',
    );
    // Bob cannot list Olga's items either.
    const olgas = await send(
      t,
      'GET',
      `${REVIEWS}/${review.id}/items?reviewer=${olga.identity.id}`,
      undefined,
      bob.token,
    );
    expect(olgas.statusCode).toBe(403);
  });

  it('shows each item’s evidence: owner, scopes, dates, addresses, usage and rotations', async () => {
    const { t, olga, pats } = await reviewApp();
    const exchanged = await t.exchangeFrom('203.0.113.7', pats.olgaRead.id, pats.olgaRead.secret, {
      'user-agent': 'nightly-job/1.0',
    });
    expect(exchanged.statusCode, exchanged.body).toBe(200);
    const rotated = await send(
      t,
      'POST',
      `/patina/v1/personal-access-tokens/${pats.olgaWrite.id}/rotate`,
      {},
    );
    expect(rotated.statusCode, rotated.body).toBe(200);
    await t.services.patUsage.flush();
    const review = await createReview(t, ordersReview());
    const read = await itemFor(t, review.id, pats.olgaRead.id);
    expect(read.id).toMatch(RVI_ID);
    expect(read).toMatchObject({
      reviewId: review.id,
      pat: {
        id: pats.olgaRead.id,
        name: 'olga-read',
        scope: ['orders:read'],
        created: START,
        lastUsed: START,
        expirationDate: MAX_EXPIRY,
        managed: false,
        live: true,
      },
      owner: { id: olga.identity.id, name: 'Olga Owner', login: 'olga' },
      reviewers: [{ id: olga.identity.id, name: 'Olga Owner' }],
      outcome: 'PENDING',
      decision: null,
      decidedBy: null,
    });
    expect(read.evidence.lastUsedFrom).toStrictEqual([
      { ip: '203.0.113.7', userAgent: 'nightly-job/1.0', at: START },
    ]);
    expect(read.evidence.usage).toHaveLength(30);
    expect(read.evidence.usage.at(-1)).toStrictEqual({
      day: '2026-01-15',
      succeeded: 1,
      failed: 0,
    });
    expect(read.evidence.usage[0]).toStrictEqual({ day: '2025-12-17', succeeded: 0, failed: 0 });
    expect(read.evidence.rotations).toStrictEqual([]);
    const write = await itemFor(t, review.id, pats.olgaWrite.id);
    expect(write.evidence.rotations).toStrictEqual([START]);
    expect(write.evidence.lastUsedFrom).toStrictEqual([]);
  });

  it('selects by scope (exact, prefix, the all-scopes default), unusedForDays and ownerRoles', async () => {
    const { t, olga, pats } = await reviewApp();
    const auditor = await t.user({
      name: 'Aud Itor',
      login: 'aud',
      roles: ['AUDITOR'],
      patScope: ['sp:all-personal-access-tokens:read'],
      rights: ['orders:read'],
    });
    const auditorPat = await t.mintPat(auditor.identity.id, {
      name: 'aud-read',
      scope: ['orders:read'],
    });
    const everything = await t.mintPat(olga.identity.id, { name: 'olga-all', scope: null });
    const names = async (selection: Record<string, unknown>) => {
      const deadline = new Date(t.clock.now().getTime() + 7 * DAY_MS).toISOString();
      const review = await createReview(t, ordersReview({ selection, deadline }));
      return (await itemsOf(t, review.id)).map((i) => i.pat.name).sort();
    };
    expect(await names({ scopes: ['orders:write'], ownerRoles: ['USER'] })).toStrictEqual([
      'olga-all',
      'olga-write',
    ]);
    expect(await names({ scopes: ['orders:*'], ownerRoles: ['USER'] })).toStrictEqual([
      'bob-read',
      'olga-all',
      'olga-read',
      'olga-write',
    ]);
    expect(await names({ ownerRoles: ['AUDITOR'] })).toStrictEqual(['aud-read', 'login']);
    expect(await names({ scopes: ['orders:read'], ownerRoles: ['AUDITOR'] })).toStrictEqual([
      'aud-read',
    ]);
    // Nothing matches: a campaign with no items is allowed (it closes at its deadline).
    const empty = await createReview(
      t,
      ordersReview({ selection: { scopes: ['payments:*'], ownerRoles: ['AUDITOR'] } }),
    );
    expect(empty.progress.total).toBe(0);

    // 40 days on, only Olga's read PAT and the auditor's were used since.
    t.clock.advance(40 * DAY_MS);
    t.admin.token = await t.accessToken(t.admin.patId, t.admin.secret);
    await t.accessToken(pats.olgaRead.id, pats.olgaRead.secret);
    await t.accessToken(auditorPat.id, auditorPat.secret);
    expect(
      await names({ scopes: ['orders:*'], unusedForDays: 30, ownerRoles: ['USER', 'AUDITOR'] }),
    ).toStrictEqual(['bob-read', 'olga-all', 'olga-write']);
    expect(everything.id).toMatch(HEX32);
  });

  it('reviews with named reviewers: only they (and administrators) decide; others get 404', async () => {
    const { t, olga, pats } = await reviewApp();
    const carol = await t.user({ name: 'Carol Checker', login: 'carol', ...OWNER });
    const review = await createReview(t, ordersReview({ reviewers: [carol.identity.id] }));
    const items = await itemsOf(t, review.id, carol.token, '?reviewer=me');
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item.reviewers).toStrictEqual([{ id: carol.identity.id, name: 'Carol Checker' }]);
    }
    // Olga owns the PATs but reviews nothing here: the campaign does not exist for her.
    const item = items.find((i) => i.pat.id === pats.olgaRead.id)!;
    const refused = await decide(t, review.id, item.id, { decision: 'revoke', comment: 'x' }, olga);
    expectSailPointError(
      refused,
      404,
      '404 Not found',
      `Access review '${review.id}' was not found`,
    );
    expect(
      (await send(t, 'GET', `${REVIEWS}/${review.id}`, undefined, olga.token)).statusCode,
    ).toBe(404);
    expect((await send(t, 'GET', REVIEWS, undefined, olga.token)).json()).toStrictEqual([]);
    const ok = await decide(t, review.id, item.id, { decision: 'certify', comment: 'fine' }, carol);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('asks the owner’s manager (MANAGER), else the creator; a managed PAT goes to the creator (OWNER)', async () => {
    const { t, olga, bob, pats } = await reviewApp();
    const mia = await t.user({ name: 'Mia Manager', login: 'mia', ...OWNER });
    await t.storage.db
      .updateTable('identities')
      .set({ manager_id: mia.identity.id })
      .where('id', '=', olga.identity.id)
      .execute();
    const managed = await t.mintPat(bob.identity.id, {
      name: 'bob-managed',
      scope: ['orders:read'],
      managed: true,
    });
    const byManager = await createReview(t, ordersReview({ reviewers: 'MANAGER' }));
    const reviewers = async (reviewId: string, patId: string) =>
      (await itemFor(t, reviewId, patId)).reviewers.map((r) => r.name);
    expect(await reviewers(byManager.id, pats.olgaRead.id)).toStrictEqual(['Mia Manager']);
    expect(await reviewers(byManager.id, pats.bobRead.id)).toStrictEqual(['Ada Admin']);
    const byOwner = await createReview(t, ordersReview());
    expect(await reviewers(byOwner.id, pats.bobRead.id)).toStrictEqual(['Bob Owner']);
    expect(await reviewers(byOwner.id, managed.id)).toStrictEqual(['Ada Admin']);
    expect((await itemsOf(t, byManager.id, mia.token)).map((i) => i.pat.name).sort()).toStrictEqual(
      ['olga-read', 'olga-write'],
    );
  });

  it('certify shortens the expiry, never lengthens it', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const item = await itemFor(t, review.id, pats.olgaRead.id);
    const later = new Date(Date.parse(MAX_EXPIRY) + DAY_MS).toISOString();
    const longer = await decide(
      t,
      review.id,
      item.id,
      { decision: 'certify', comment: 'ok', expirationDate: later },
      olga,
    );
    expectSailPointError(
      longer,
      400,
      ILLEGAL,
      `'expirationDate' may only shorten the expiry of the personal access token: it must not be after ${MAX_EXPIRY}`,
    );
    const past = await decide(
      t,
      review.id,
      item.id,
      { decision: 'certify', comment: 'ok', expirationDate: '2026-01-01T00:00:00Z' },
      olga,
    );
    expectSailPointError(past, 400, ILLEGAL, "'expirationDate' must be in the future");
    const withRevoke = await decide(
      t,
      review.id,
      item.id,
      { decision: 'revoke', comment: 'ok', expirationDate: '2026-03-01T00:00:00Z' },
      olga,
    );
    expect(withRevoke.statusCode).toBe(400);
    expect(withRevoke.body).toContain("'expirationDate'");

    const shorter = '2026-02-15T00:00:00.000Z';
    const res = await decide(
      t,
      review.id,
      item.id,
      { decision: 'certify', comment: 'until the migration', expirationDate: shorter },
      olga,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Item>()).toMatchObject({
      outcome: 'CERTIFIED',
      expirationDate: shorter,
      pat: { expirationDate: shorter, live: true },
    });
    const pat = await send(t, 'GET', `/patina/v1/personal-access-tokens/${pats.olgaRead.id}`);
    expect(pat.json()).toMatchObject({ expirationDate: shorter });
    const [updated] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_UPDATED');
    expect(JSON.parse(updated!.details)).toMatchObject({
      changed: ['expirationDate'],
      expirationDate: shorter,
      accessReviewId: review.id,
      itemId: item.id,
    });
  });

  it('revoke ends the PAT at once: its exchange and its access tokens are refused', async () => {
    const { t, olga, pats } = await reviewApp();
    const token = await t.accessToken(pats.olgaRead.id, pats.olgaRead.secret);
    // Live but without the right: 403, so the 401 below is the revocation.
    expect(
      (await t.request({ method: 'GET', url: '/v3/personal-access-tokens', token })).statusCode,
    ).toBe(403);
    const review = await createReview(t, ordersReview());
    const item = await itemFor(t, review.id, pats.olgaRead.id);
    const res = await decide(
      t,
      review.id,
      item.id,
      { decision: 'revoke', comment: 'not needed' },
      olga,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Item>()).toMatchObject({
      outcome: 'REVOKED',
      decision: 'revoke',
      pat: { live: false },
    });
    expect((await t.exchange(pats.olgaRead.id, pats.olgaRead.secret)).json()).toStrictEqual(
      BAD_CREDENTIALS,
    );
    expect(
      (await t.request({ method: 'GET', url: '/v3/personal-access-tokens', token })).statusCode,
    ).toBe(401);
    const [revoked] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_REVOKED');
    expect(JSON.parse(revoked!.details)).toStrictEqual({
      ownerId: olga.identity.id,
      reason: 'REVIEW',
      accessReviewId: review.id,
      itemId: item.id,
    });
    expect((await getReview(t, review.id)).progress).toMatchObject({ decided: 1, revoked: 1 });
  });

  it('two decisions on one item at once: one wins, the other gets 409', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const item = await itemFor(t, review.id, pats.olgaRead.id);
    const [a, b] = await Promise.all([
      decide(t, review.id, item.id, { decision: 'certify', comment: 'keep' }, olga),
      decide(t, review.id, item.id, { decision: 'revoke', comment: 'drop' }, t.admin),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toStrictEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expectSailPointError(loser, 409, CONFLICT, 'The item was already decided');
    expect(await t.auditEvents('ACCESS_REVIEW_DECIDED')).toHaveLength(1);
    // The loser's revoke did not happen if the certify won, and vice versa.
    const winner = a.statusCode === 200 ? a : b;
    const live = (await t.exchange(pats.olgaRead.id, pats.olgaRead.secret)).statusCode === 200;
    expect(live).toBe(winner.json<Item>().outcome === 'CERTIFIED');
  });

  it('decides in bulk, each item on its own', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const read = await itemFor(t, review.id, pats.olgaRead.id);
    const write = await itemFor(t, review.id, pats.olgaWrite.id);
    const bobs = await itemFor(t, review.id, pats.bobRead.id);
    const unknown = `rvi_${'0'.repeat(32)}`;
    const res = await send(
      t,
      'POST',
      `${REVIEWS}/${review.id}/decisions`,
      {
        decisions: [
          { itemId: read.id, decision: 'certify', comment: 'used daily' },
          { itemId: write.id, decision: 'revoke', comment: 'write no longer needed' },
          { itemId: bobs.id, decision: 'revoke', comment: 'not mine' },
          { itemId: unknown, decision: 'revoke', comment: 'x' },
          { itemId: read.id, decision: 'revoke', comment: 'twice' },
        ],
      },
      olga.token,
    );
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json<{
      results: { itemId: string; status: number; message?: string; item?: Item }[];
    }>();
    expect(results.map((r) => [r.itemId, r.status])).toStrictEqual([
      [read.id, 200],
      [write.id, 200],
      [bobs.id, 403],
      [unknown, 404],
      [read.id, 409],
    ]);
    expect(results[0]!.item).toMatchObject({ outcome: 'CERTIFIED' });
    expect(results[1]!.item).toMatchObject({ outcome: 'REVOKED' });
    expect(results[3]!.message).toBe(
      `Access review item '${unknown}' was not found in this access review`,
    );
    expect(results[4]!.message).toBe('The item was already decided');
    expect((await t.exchange(pats.olgaWrite.id, pats.olgaWrite.secret)).statusCode).not.toBe(200);
    expect((await t.exchange(pats.bobRead.id, pats.bobRead.secret)).statusCode).toBe(200);
  });

  it('closes by hand: undecided items revoked (whenUndecided revoke) or kept (keep); gone ones GONE', async () => {
    const { t, olga, pats } = await reviewApp();
    const keep = await createReview(t, ordersReview({ whenUndecided: 'keep' }));
    const revoke = await createReview(t, ordersReview());
    const certified = await itemFor(t, revoke.id, pats.olgaRead.id);
    expect(
      (await decide(t, revoke.id, certified.id, { decision: 'certify', comment: 'ok' }, olga))
        .statusCode,
    ).toBe(200);
    // Deleted by its owner before the close: GONE.
    expect((await t.deletePat(pats.olgaWrite.id)).statusCode).toBe(204);

    const keptRes = await send(t, 'POST', `${REVIEWS}/${keep.id}/close`);
    expect(keptRes.statusCode, keptRes.body).toBe(200);
    expect(keptRes.json()).toMatchObject({ status: 'CLOSED', closedAt: START });
    expect((await itemsOf(t, keep.id)).map((i) => [i.pat.name, i.outcome]).sort()).toStrictEqual([
      ['bob-read', 'KEPT'],
      ['olga-read', 'KEPT'],
      ['olga-write', 'GONE'],
    ]);
    expect((await t.exchange(pats.bobRead.id, pats.bobRead.secret)).statusCode).toBe(200);

    const revokedRes = await send(t, 'POST', `${REVIEWS}/${revoke.id}/close`);
    expect(revokedRes.statusCode, revokedRes.body).toBe(200);
    expect(revokedRes.json()).toMatchObject({
      status: 'CLOSED',
      progress: { total: 3, decided: 1, certified: 1, revoked: 1, pending: 0 },
    });
    expect((await itemsOf(t, revoke.id)).map((i) => [i.pat.name, i.outcome]).sort()).toStrictEqual([
      ['bob-read', 'AUTO_REVOKED'],
      ['olga-read', 'CERTIFIED'],
      ['olga-write', 'GONE'],
    ]);
    expect((await t.exchange(pats.bobRead.id, pats.bobRead.secret)).json()).toStrictEqual(
      BAD_CREDENTIALS,
    );
    expect((await t.exchange(pats.olgaRead.id, pats.olgaRead.secret)).statusCode).toBe(200);
    const closed = await t.auditEvents('ACCESS_REVIEW_CLOSED');
    expect(closed.map((e) => JSON.parse(e.details) as unknown)).toStrictEqual([
      { outcomes: { GONE: 1, KEPT: 2 }, whenUndecided: 'keep' },
      { outcomes: { AUTO_REVOKED: 1, CERTIFIED: 1, GONE: 1 }, whenUndecided: 'revoke' },
    ]);

    // Closed: no second close, no decision.
    expectSailPointError(
      await send(t, 'POST', `${REVIEWS}/${revoke.id}/close`),
      409,
      CONFLICT,
      'The access review is closed already',
    );
    const bobs = await itemFor(t, keep.id, pats.bobRead.id);
    expectSailPointError(
      await decide(t, keep.id, bobs.id, { decision: 'revoke', comment: 'late' }, t.admin),
      409,
      CONFLICT,
      'The access review is closed: its items can no longer be decided',
    );
    // Closing needs all-manage.
    const open = await createReview(t, ordersReview());
    expect(
      (await send(t, 'POST', `${REVIEWS}/${open.id}/close`, undefined, olga.token)).statusCode,
    ).toBe(403);
  });

  it('reports as JSON and as CSV (RFC 4180 quoting, formula cells guarded)', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const read = await itemFor(t, review.id, pats.olgaRead.id);
    const write = await itemFor(t, review.id, pats.olgaWrite.id);
    await decide(t, review.id, read.id, { decision: 'certify', comment: 'ok, "daily" job' }, olga);
    await decide(t, review.id, write.id, { decision: 'revoke', comment: '=HYPERLINK("x")' }, olga);

    const json = await send(t, 'GET', `${REVIEWS}/${review.id}/report`);
    expect(json.statusCode, json.body).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const report = json.json<{ review: { id: string }; generatedAt: string; items: Item[] }>();
    expect(report.review.id).toBe(review.id);
    expect(report.generatedAt).toBe(START);
    expect(report.items).toHaveLength(3);

    const csv = await send(t, 'GET', `${REVIEWS}/${review.id}/report`, undefined, t.admin.token, {
      accept: 'text/csv',
    });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="access-review-${review.id}.csv"`,
    );
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      'itemId,patId,patName,ownerId,ownerLogin,scope,created,lastUsed,expirationDate,outcome,decision,decidedBy,decidedAt,comment',
    );
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(5);
    const row = (itemId: string) => lines.find((line) => line.startsWith(itemId));
    expect(row(read.id)).toBe(
      `${read.id},${pats.olgaRead.id},olga-read,${olga.identity.id},olga,orders:read,${START},,${MAX_EXPIRY},CERTIFIED,certify,Olga Owner,${START},"ok, ""daily"" job"`,
    );
    expect(row(write.id)).toBe(
      `${write.id},${pats.olgaWrite.id},olga-write,${olga.identity.id},olga,orders:write,${START},,${MAX_EXPIRY},REVOKED,revoke,Olga Owner,${START},"'=HYPERLINK(""x"")"`,
    );
    // The report is an auditor's: a reviewer without all-read gets 403.
    expect(
      (await send(t, 'GET', `${REVIEWS}/${review.id}/report`, undefined, olga.token)).statusCode,
    ).toBe(403);
  });
});
