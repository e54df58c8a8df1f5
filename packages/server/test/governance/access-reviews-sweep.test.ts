import { describe, expect, it } from 'vitest';
import { BAD_CREDENTIALS, DAY_MS, MINUTE_MS, START, type TestApp } from '../helpers.js';
import {
  createReview,
  decide,
  getReview,
  itemFor,
  itemsOf,
  ordersReview,
  REVIEWS,
  reviewApp,
  send,
  type Review,
} from './review-setup.js';

const at = (days: number) => new Date(Date.parse(START) + days * DAY_MS).toISOString();

/** Moves the clock and mints the admin a fresh access token (the old one expired meanwhile). */
async function advance(t: TestApp, ms: number): Promise<void> {
  t.clock.advance(ms);
  t.admin.token = await t.accessToken(t.admin.patId, t.admin.secret);
}

async function reminders(t: TestApp, reviewId: string) {
  const events = await t.auditEvents('ACCESS_REVIEW_REMINDED');
  return events
    .filter((e) => e.target_id === reviewId)
    .map((e) => JSON.parse(e.details) as unknown);
}

describe('access reviews in the housekeeping sweep', () => {
  it('closes a campaign at its deadline: undecided items are revoked at once', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const read = await itemFor(t, review.id, pats.olgaRead.id);
    const ok = await decide(t, review.id, read.id, { decision: 'certify', comment: 'ok' }, olga);
    expect(ok.statusCode, ok.body).toBe(200);

    expect((await t.services.housekeeping.runOnce()).accessReviews).toStrictEqual({
      closed: 0,
      reminded: 0,
      started: 0,
    });
    await advance(t, 7 * DAY_MS + MINUTE_MS);
    const bobToken = await t.accessToken(pats.bobRead.id, pats.bobRead.secret);
    const probe = () =>
      t.request({ method: 'GET', url: '/v3/personal-access-tokens', token: bobToken });
    expect((await probe()).statusCode).toBe(403);

    expect((await t.services.housekeeping.runOnce()).accessReviews).toMatchObject({ closed: 1 });
    const closed = await getReview(t, review.id);
    expect(closed).toMatchObject({
      status: 'CLOSED',
      closedAt: new Date(Date.parse(START) + 7 * DAY_MS + MINUTE_MS).toISOString(),
      progress: { total: 3, decided: 1, certified: 1, revoked: 2, pending: 0 },
    });
    expect((await itemsOf(t, review.id)).map((i) => [i.pat.name, i.outcome]).sort()).toStrictEqual([
      ['bob-read', 'AUTO_REVOKED'],
      ['olga-read', 'CERTIFIED'],
      ['olga-write', 'AUTO_REVOKED'],
    ]);
    // Right after the sweep: the exchange and the access token are refused.
    expect((await t.exchange(pats.bobRead.id, pats.bobRead.secret)).json()).toStrictEqual(
      BAD_CREDENTIALS,
    );
    expect((await probe()).statusCode).toBe(401);
    expect((await t.exchange(pats.olgaRead.id, pats.olgaRead.secret)).statusCode).toBe(200);
    const [event] = await t.auditEvents('ACCESS_REVIEW_CLOSED');
    expect(event).toMatchObject({ actor_id: null, actor_name: 'patina', target_id: review.id });
    expect(JSON.parse(event!.details)).toStrictEqual({
      outcomes: { AUTO_REVOKED: 2, CERTIFIED: 1 },
      whenUndecided: 'revoke',
    });
    // A second pass finds nothing more to do.
    expect((await t.services.housekeeping.runOnce()).accessReviews.closed).toBe(0);
    expect(await t.auditEvents('ACCESS_REVIEW_CLOSED')).toHaveLength(1);
  });

  it('reminds the reviewers with undecided items at each threshold, once', async () => {
    const { t, olga, bob, pats } = await reviewApp();
    const review = await createReview(t, ordersReview({ deadline: at(10) }));
    // Its deadline is 3 days away: the 7-day reminder's moment has passed at the start.
    const soon = await createReview(t, ordersReview({ deadline: at(3), whenUndecided: 'keep' }));

    await t.services.housekeeping.runOnce();
    expect(await reminders(t, review.id)).toStrictEqual([]);
    expect(await reminders(t, soon.id)).toStrictEqual([]);

    await advance(t, 2.5 * DAY_MS);
    expect((await t.services.housekeeping.runOnce()).accessReviews.reminded).toBe(1);
    expect(await reminders(t, soon.id)).toStrictEqual([
      { daysLeft: 1, reviewerIds: [olga.identity.id, bob.identity.id].sort() },
    ]);

    await advance(t, DAY_MS);
    expect((await t.services.housekeeping.runOnce()).accessReviews).toStrictEqual({
      closed: 1,
      reminded: 1,
      started: 0,
    });
    await t.services.housekeeping.runOnce();
    expect(await reminders(t, review.id)).toStrictEqual([
      { daysLeft: 7, reviewerIds: [olga.identity.id, bob.identity.id].sort() },
    ]);
    expect(await reminders(t, soon.id)).toHaveLength(1);

    // Olga decides hers: the next reminder goes to Bob alone.
    for (const patId of [pats.olgaRead.id, pats.olgaWrite.id]) {
      const item = await itemFor(t, review.id, patId);
      const res = await decide(
        t,
        review.id,
        item.id,
        { decision: 'certify', comment: 'ok' },
        t.admin,
      );
      expect(res.statusCode, res.body).toBe(200);
    }
    await advance(t, 6 * DAY_MS); // 0.5 days before the deadline
    await t.services.housekeeping.runOnce();
    await t.services.housekeeping.runOnce();
    expect(await reminders(t, review.id)).toStrictEqual([
      { daysLeft: 7, reviewerIds: [olga.identity.id, bob.identity.id].sort() },
      { daysLeft: 1, reviewerIds: [bob.identity.id] },
    ]);
    const [event] = (await t.auditEvents('ACCESS_REVIEW_REMINDED')).filter(
      (e) => e.target_id === review.id,
    );
    expect(event).toMatchObject({ target_type: 'ACCESS_REVIEW', actor_name: 'patina' });
  });

  it('starts the next campaign of a recurring one once, however often the sweep runs', async () => {
    const { t } = await reviewApp();
    const first = await createReview(t, ordersReview({ every: '30d', whenUndecided: 'keep' }));
    expect(first).toMatchObject({ every: '30d', nextStartAt: at(30) });

    await advance(t, 7 * DAY_MS + MINUTE_MS);
    expect((await t.services.housekeeping.runOnce()).accessReviews).toMatchObject({
      closed: 1,
      started: 0,
    });
    await advance(t, 23 * DAY_MS);
    // Two passes at once (two nodes), then one more: the next campaign starts once.
    const passes = await Promise.all([
      t.services.housekeeping.runOnce(),
      t.services.housekeeping.runOnce(),
    ]);
    passes.push(await t.services.housekeeping.runOnce());
    expect(passes.map((p) => p.accessReviews.started).sort()).toStrictEqual([0, 0, 1]);

    const list = await send(t, 'GET', REVIEWS);
    const reviews = list.json<Review[]>();
    expect(reviews).toHaveLength(2);
    const [next, previous] = reviews;
    expect(previous).toMatchObject({ id: first.id, status: 'CLOSED', nextStartAt: null });
    expect(next).toMatchObject({
      name: 'Q1 orders review',
      status: 'OPEN',
      previousId: first.id,
      every: '30d',
      selection: { scopes: ['orders:*'], ownerRoles: ['USER'] },
      reviewers: 'OWNER',
      whenUndecided: 'keep',
      created: new Date(Date.parse(START) + 30 * DAY_MS + MINUTE_MS).toISOString(),
      deadline: new Date(Date.parse(START) + 37 * DAY_MS + MINUTE_MS).toISOString(),
      nextStartAt: at(60),
      createdBy: { id: t.admin.identity.id, name: 'Ada Admin' },
      progress: { total: 3, pending: 3 },
    });
    const started = await t.auditEvents('ACCESS_REVIEW_STARTED');
    expect(started).toHaveLength(2);
    expect(JSON.parse(started[1]!.details)).toMatchObject({ items: 3, previousId: first.id });
    expect(started[1]).toMatchObject({ actor_id: null, actor_name: 'patina' });
  });
});
