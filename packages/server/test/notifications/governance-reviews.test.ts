import { ACCESS_REVIEWS_PATH } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DAY_MS, startTestApp, type TestApp, type TestUser } from '../helpers.js';
import { checkedEvents, mailsTo, person, read } from './governance-fixtures.js';
import { deliver, LOCAL_WEBHOOKS, MailCatcher, Receiver, subscribe } from './receivers.js';

/*
 * The notifications of access reviews, driven through the real API (start, decide, close) and
 * the housekeeping sweep (reminders): the webhook bodies and the mails are what the delivery
 * worker sends to a real receiver and a real SMTP server.
 */

const REVIEW_EVENTS = ['access_review.started', 'access_review.reminder', 'access_review.closed'];

async function withEmail(t: TestApp, user: TestUser, email: string) {
  await t.services.identities.update(SYSTEM_CONTEXT, user.identity.id, { email });
}

async function setup() {
  const smtp = await MailCatcher.start();
  const t = await startTestApp({ config: { ...smtp.config(), ...LOCAL_WEBHOOKS } });
  const receiver = await Receiver.start(t.clock);
  const hook = await subscribe(t, receiver, REVIEW_EVENTS);
  await withEmail(t, t.admin, 'ada@example.com');
  // Each owner reviews their own PATs: Ada 1 (her login), Bea 2, Olga 1, Dan 1 (no address).
  const bea = await t.user({ name: 'Bea Owner', login: 'bea' });
  await withEmail(t, bea, 'bea@example.com');
  const deploy = await t.mintPat(bea.identity.id, { name: 'deploy' });
  const olga = await t.user({ name: 'Olga Owner', login: 'olga' });
  await withEmail(t, olga, 'olga@example.com');
  const dan = await person(t, { name: 'Dan', login: 'dan', email: null });
  const dans = await t.mintPat(dan.id, { name: 'backup' });
  const secrets = [
    hook.secret,
    t.admin.secret,
    bea.secret,
    olga.secret,
    deploy.secret,
    dans.secret,
  ];
  return { smtp, t, receiver, bea, olga, deploy, secrets };
}

async function startCampaign(t: TestApp, json: Record<string, unknown>) {
  const res = await t.request({
    method: 'POST',
    url: ACCESS_REVIEWS_PATH,
    token: t.admin.token,
    json,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

/** The reviewer's pending items, and a decision on the first of them (or of `patId`'s). */
async function decideMine(
  t: TestApp,
  reviewId: string,
  reviewer: TestUser,
  decision: 'certify' | 'revoke',
  patId: string,
) {
  const items = await t.request({
    method: 'GET',
    url: `${ACCESS_REVIEWS_PATH}/${reviewId}/items?reviewer=me&outcome=PENDING`,
    token: reviewer.token,
  });
  expect(items.statusCode, items.body).toBe(200);
  const item = items.json<{ id: string; pat: { id: string } }[]>().find((i) => i.pat.id === patId);
  expect(item).toBeDefined();
  const res = await t.request({
    method: 'POST',
    url: `${ACCESS_REVIEWS_PATH}/${reviewId}/items/${item!.id}/decision`,
    token: reviewer.token,
    json: { decision, comment: 'Still used by the nightly job.' },
  });
  expect(res.statusCode, res.body).toBe(200);
}

describe('notifications of access reviews', () => {
  it('asks each reviewer by mail at the start, reminds those with undecided items, and tells the creator the outcome', async () => {
    const { smtp, t, receiver, bea, olga, deploy, secrets } = await setup();
    const deadline = new Date(t.clock.now().getTime() + 10 * DAY_MS).toISOString();
    const id = await startCampaign(t, {
      name: 'Q1 <PAT> review',
      reviewers: 'OWNER',
      deadline,
      whenUndecided: 'revoke',
    });
    await deliver(t);

    // Started: every reviewer with an address, told how many PATs are theirs to review.
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'ada@example.com',
      'bea@example.com',
      'olga@example.com',
    ]);
    const started = read(mailsTo(smtp.mails, 'bea@example.com')[0], secrets);
    expect(started.subject).toBe(
      'Access review "Q1 <PAT> review": please review 2 personal access tokens by 2026-01-25 10:00 UTC',
    );
    expect(started.text).toContain('Hello Bea Owner,');
    expect(started.text).toContain(
      `Ada Admin started the access review "Q1 <PAT> review" (id ${id}), and you are asked to review 2 personal access tokens in it: is each still needed?`,
    );
    expect(started.text).toContain(
      'What happens next: at the deadline, 2026-01-25 10:00 UTC, items nobody decided are revoked automatically, and whatever uses them stops working.',
    );
    expect(started.text).toContain('- In the console: http://patina.test/ui/reviews');
    expect(started.text).toContain(`- With the CLI: patina review items ${id} --mine`);
    expect(started.text).toContain(
      `- With the API: GET http://patina.test/patina/v1/access-reviews/${id}/items?reviewer=me&outcome=PENDING`,
    );
    expect(started.mail.parsed.html).toContain('Q1 &lt;PAT&gt; review');
    const toOlga = read(mailsTo(smtp.mails, 'olga@example.com')[0], secrets);
    expect(toOlga.subject).toContain('please review 1 personal access token by');
    expect(toOlga.text).toContain('review 1 personal access token in it: is it still needed?');

    // Olga and Ada decide everything, Bea one of two; Dan (no address) nothing.
    await decideMine(t, id, olga, 'certify', olga.patId);
    await decideMine(t, id, t.admin, 'certify', t.admin.patId);
    await decideMine(t, id, bea, 'certify', bea.patId);
    // Seven days before the deadline: the sweep reminds whoever still has items to decide.
    t.clock.advance(3 * DAY_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const reminders = smtp.mails.filter((m) => m.parsed.subject!.startsWith('Reminder'));
    expect(reminders.map((m) => m.envelopeTo)).toEqual([['bea@example.com']]);
    const reminder = read(reminders[0], secrets);
    expect(reminder.subject).toBe('Reminder: the access review "Q1 <PAT> review" ends in 7 days');
    expect(reminder.text).toContain(
      `1 personal access token you review is still undecided in the access review "Q1 <PAT> review" (id ${id}). Its deadline is 2026-01-25 10:00 UTC (in 7 days).`,
    );
    expect(reminder.text).toContain(`- With the CLI: patina review items ${id} --mine`);
    // The same day again: reminded once.
    await t.services.housekeeping.runOnce();
    await deliver(t);
    expect(smtp.mails.filter((m) => m.parsed.subject!.startsWith('Reminder'))).toHaveLength(1);

    // Closed by hand: Bea's deploy and Dan's backup are revoked undecided; Ada is told.
    const closed = await t.request({
      method: 'POST',
      url: `${ACCESS_REVIEWS_PATH}/${id}/close`,
      token: await t.accessToken(t.admin.patId, t.admin.secret),
    });
    expect(closed.statusCode, closed.body).toBe(200);
    await deliver(t);
    const toAda = mailsTo(smtp.mails, 'ada@example.com').filter((m) =>
      m.parsed.subject!.includes('closed'),
    );
    expect(toAda).toHaveLength(1);
    const outcome = read(toAda[0], secrets);
    expect(outcome.subject).toBe('Access review "Q1 <PAT> review" closed: 3 kept, 2 revoked');
    expect(outcome.text).toContain(
      `The access review "Q1 <PAT> review" (id ${id}), which you started, closed at 2026-01-18 10:00 UTC. Its outcome:`,
    );
    expect(outcome.text).toContain('- 3 personal access tokens certified by a reviewer');
    expect(outcome.text).toContain('- 2 personal access tokens undecided, revoked when it closed');
    expect(outcome.text).toContain(
      'What happens next: revoked PATs are refused from now on, and their owners were told by mail.',
    );
    expect(outcome.text).toContain(
      `GET http://patina.test/patina/v1/access-reviews/${id}/report (JSON), or the same with the header Accept: text/csv`,
    );
    // Bea hears of her revoked PAT through the revocation mail, saying why.
    const revoked = mailsTo(smtp.mails, 'bea@example.com').find((m) =>
      m.parsed.subject!.includes('was revoked'),
    );
    const why = read(revoked, secrets);
    expect(why.subject).toBe(
      'Your personal access token "deploy" was revoked: an access review found it no longer needed',
    );
    expect(why.text).toContain(`(id ${deploy.id}) was revoked (reason: REVIEW)`);

    // The webhooks: one of each, each matching its schema, none holding a secret.
    const events = checkedEvents(receiver, secrets);
    expect(events.map((e) => e.type)).toEqual(REVIEW_EVENTS);
    const review = (n: number) => events[n]!.data.accessReview;
    expect(review(0)).toEqual({
      id,
      name: 'Q1 <PAT> review',
      status: 'OPEN',
      deadline,
      whenUndecided: 'revoke',
      items: 5,
      pending: 5,
    });
    expect(events[0]!.data.actor).toMatchObject({ id: t.admin.identity.id });
    expect(events[1]!.data).toMatchObject({ daysLeft: 7, accessReview: { pending: 2 } });
    expect(events[1]!.data.actor).toEqual({ id: null, name: 'patina' });
    expect(events[2]!.data).toMatchObject({
      outcomes: { CERTIFIED: 3, AUTO_REVOKED: 2 },
      accessReview: { status: 'CLOSED', items: 5, pending: 0 },
    });
  });

  it('mails named reviewers once each however many items they review, skipping disabled ones, and says what "keep" means', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: smtp.config() });
    await withEmail(t, t.admin, 'ada@example.com');
    const rita = await person(t, {
      name: 'Rita Reviewer',
      login: 'rita',
      email: 'rita@example.com',
    });
    const sam = await person(t, { name: 'Sam', login: 'sam', email: 'sam@example.com' });
    for (const name of ['one', 'two', 'three']) await t.mintPat(t.admin.identity.id, { name });
    const id = await startCampaign(t, {
      name: 'Admin PATs',
      reviewers: [rita.id, sam.id],
      deadline: new Date(t.clock.now().getTime() + 30 * DAY_MS).toISOString(),
      whenUndecided: 'keep',
    });
    // Sam is disabled after the start: he is not mailed the reminder.
    await t.services.identities.update(SYSTEM_CONTEXT, sam.id, { status: 'DISABLED' });
    t.clock.advance(29 * DAY_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const toRita = mailsTo(smtp.mails, 'rita@example.com');
    expect(toRita.map((m) => m.parsed.subject)).toEqual(
      expect.arrayContaining([
        'Access review "Admin PATs": please review 4 personal access tokens by 2026-02-14 10:00 UTC',
        'Reminder: the access review "Admin PATs" ends tomorrow',
      ]) as unknown,
    );
    expect(toRita).toHaveLength(2);
    const reminder = read(
      toRita.find((m) => m.parsed.subject!.startsWith('Reminder')),
      [],
    );
    expect(reminder.text).toContain(
      `4 personal access tokens you review are still undecided in the access review "Admin PATs" (id ${id}).`,
    );
    expect(reminder.text).toContain(
      'items nobody decided are kept as they are, and the report shows that nobody decided.',
    );
    // Sam had the start mail, not the reminder.
    expect(mailsTo(smtp.mails, 'sam@example.com').map((m) => m.parsed.subject)).toEqual([
      'Access review "Admin PATs": please review 4 personal access tokens by 2026-02-14 10:00 UTC',
    ]);
    // At the deadline: kept, and the creator told.
    t.clock.advance(DAY_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const outcome = read(
      mailsTo(smtp.mails, 'ada@example.com').find((m) => m.parsed.subject!.includes('closed')),
      [],
    );
    expect(outcome.subject).toBe('Access review "Admin PATs" closed: 4 kept, 0 revoked');
    expect(outcome.text).toContain('- 4 personal access tokens undecided, kept when it closed');
    expect(outcome.text).not.toContain('What happens next');
  });
  it('says a recurring campaign recurs, and names its creator when the sweep starts the next one', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: smtp.config() });
    await withEmail(t, t.admin, 'ada@example.com');
    const rita = await person(t, { name: 'Rita', login: 'rita', email: 'rita@example.com' });
    await startCampaign(t, {
      name: 'Monthly',
      reviewers: [rita.id],
      deadline: new Date(t.clock.now().getTime() + 7 * DAY_MS).toISOString(),
      whenUndecided: 'keep',
      every: '30d',
    });
    t.clock.advance(7 * DAY_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const closed = read(
      mailsTo(smtp.mails, 'ada@example.com').find((m) => m.parsed.subject!.includes('closed')),
      [t.admin.secret],
    );
    expect(closed.text).toContain(
      'What happens next: the next campaign of this recurring review starts 2026-02-14 10:00 UTC.',
    );
    t.clock.advance(23 * DAY_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const starts = mailsTo(smtp.mails, 'rita@example.com').filter((m) =>
      m.parsed.subject!.startsWith('Access review'),
    );
    expect(starts).toHaveLength(2);
    const again = starts
      .map((m) => read(m, [t.admin.secret]).text)
      .find((text) => text.includes('Patina ('));
    expect(again).toContain(
      'Patina (a recurring campaign of Ada Admin) started the access review "Monthly"',
    );
  });
});
