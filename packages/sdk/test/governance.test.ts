import { ACCESS_REVIEW_CSV_COLUMNS, RIGHTS } from '@patina/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPending,
  PatinaApiError,
  PatinaClient,
  type PatinaCreatePatResult,
} from '../src/index.js';
import { newUser, startPatina, type PatinaServer } from './patina-server.js';

const SECRET = /^patina_[0-9A-Za-z]{57}$/;
const REQUEST_ID = /^prq_[0-9a-f]{32}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SENSITIVE = 'payments:write';
/** The scope the campaign reviews: only its test's PATs name it. */
const REVIEWED = 'ledger:read';
/** Login PATs that name their scopes, so no approval rule holds them back. */
const LOGIN_SCOPES = [RIGHTS.myRead, RIGHTS.myManage];

async function apiError(promise: Promise<unknown>): Promise<PatinaApiError> {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof PatinaApiError)) {
    throw new Error('expected a PatinaApiError', { cause: error });
  }
  return error;
}

function pendingOf(result: PatinaCreatePatResult) {
  if (!isPending(result)) throw new Error('expected the create to be held for approval');
  return result.pending;
}

describe('governance: PAT requests, usage, access reviews', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina({
      config: {
        scopes: [{ name: SENSITIVE }, { name: 'payments:read' }, { name: REVIEWED }],
        approval: {
          rules: [{ scopes: [SENSITIVE], approvers: { roles: ['ORG_ADMIN'] } }],
        },
      },
    });
  });
  afterAll(() => server.stop());

  /** A client of this source tree (server.adminClient is the built one). */
  function clientOf(
    user: { clientId: string; clientSecret: string },
    fetch?: typeof globalThis.fetch,
  ) {
    return new PatinaClient({ baseUrl: server.baseUrl, ...user, ...(fetch && { fetch }) });
  }

  async function requester() {
    const user = await newUser(server, {
      rights: [SENSITIVE, 'payments:read'],
      pat: { scope: LOGIN_SCOPES },
    });
    return { ...user, client: clientOf(user) };
  }

  async function approver() {
    const user = await newUser(server, { roles: ['ORG_ADMIN'], pat: { scope: LOGIN_SCOPES } });
    return { ...user, client: clientOf(user) };
  }

  it('create with a sensitive scope is { pending }; approve; fetchSecret once; the PAT works', async () => {
    const rita = await requester();
    const anna = await approver();
    const result = await rita.client.patinaPats.create({
      name: 'payouts',
      scope: [SENSITIVE],
      justification: 'Nightly payout job, SEC-12',
      ticketUrl: 'https://tickets.example.com/SEC-12',
    });
    const request = pendingOf(result);
    expect(request).toMatchObject({
      kind: 'CREATE',
      status: 'PENDING',
      requester: { id: rita.identity.id },
      name: 'payouts',
      sensitiveScopes: [SENSITIVE],
      justification: 'Nightly payout job, SEC-12',
      ticketUrl: 'https://tickets.example.com/SEC-12',
      patId: null,
      canDecide: false,
    });
    expect(request.id).toMatch(REQUEST_ID);

    // The requester sees it (not to decide); the approver sees it to decide.
    expect((await rita.client.patRequests.list({ status: 'PENDING' })).map((r) => r.id)).toEqual([
      request.id,
    ]);
    const forAnna = await anna.client.patRequests.get(request.id);
    expect(forAnna.canDecide).toBe(true);
    expect(
      (await anna.client.patRequests.list({ status: 'pending' })).some((r) => r.id === request.id),
    ).toBe(true);

    const approved = await anna.client.patRequests.approve(request.id, { comment: 'SEC-12 ok' });
    expect(approved).toMatchObject({
      status: 'APPROVED',
      decidedBy: { id: anna.identity.id },
      comment: 'SEC-12 ok',
    });
    expect(approved.patId).toMatch(/^[0-9a-f]{32}$/);

    const made = await rita.client.patRequests.fetchSecret(request.id);
    expect(made).toMatchObject({ id: approved.patId, name: 'payouts', scope: [SENSITIVE] });
    expect(made.secret).toMatch(SECRET);
    expect(
      typeof (await clientOf({ clientId: made.id, clientSecret: made.secret }).accessToken()),
    ).toBe('string');

    // Once: then FULFILLED, and a second fetch is a 409 that names the route, not the id.
    expect((await rita.client.patRequests.get(request.id)).status).toBe('FULFILLED');
    const again = await apiError(rita.client.patRequests.fetchSecret(request.id));
    expect(again).toMatchObject({ status: 409, code: 'STATE_CONFLICT' });
    expect(again.request).toBe('POST /patina/v1/pat-requests/{id}/secret');
    expect(again.message).not.toContain(made.secret);
    const twice = await apiError(anna.client.patRequests.approve(request.id));
    expect(twice).toMatchObject({ status: 409, code: 'STATE_CONFLICT' });
  });

  it('deny takes a comment and makes nothing; the requester cannot approve their own', async () => {
    const rita = await requester();
    const anna = await approver();
    const request = pendingOf(
      await rita.client.patinaPats.create({
        name: 'refunds',
        scope: [SENSITIVE],
        justification: 'Refund backlog',
      }),
    );
    const self = await apiError(rita.client.patRequests.approve(request.id, { comment: 'me' }));
    expect(self.status).toBe(403);

    const denied = await anna.client.patRequests.deny(request.id, { comment: 'Use payments:read' });
    expect(denied).toMatchObject({ status: 'DENIED', comment: 'Use payments:read', patId: null });
    const fetched = await apiError(rita.client.patRequests.fetchSecret(request.id));
    expect(fetched.status).toBe(409);
    expect((await rita.client.patinaPats.list({ ownerId: 'me' })).map((p) => p.name)).toEqual([
      'login',
    ]);
    const listed = await rita.client.patRequests.list({ status: 'DENIED' });
    expect(listed.map((r) => r.id)).toEqual([request.id]);
  });

  it('a create without a sensitive scope is the PAT itself; justification is named when missing', async () => {
    const rita = await requester();
    const plain = await rita.client.patinaPats.create({ name: 'reader', scope: ['payments:read'] });
    expect(isPending(plain)).toBe(false);
    if (isPending(plain)) return;
    expect(plain.secret).toMatch(SECRET);

    const missing = await apiError(
      rita.client.patinaPats.create({ name: 'writer', scope: [SENSITIVE] }),
    );
    expect(missing.status).toBe(400);
    expect(missing.message).toContain('justification');
  });

  it('update adding a sensitive scope is { pending } of kind SCOPE_CHANGE; the PAT is unchanged', async () => {
    const rita = await requester();
    const made = await rita.client.patinaPats.create({ name: 'reader', scope: ['payments:read'] });
    if (isPending(made)) throw new Error('not sensitive');
    const result = await rita.client.patinaPats.update(made.id, {
      scope: ['payments:read', SENSITIVE],
      justification: 'Now it settles too',
    });
    expect(isPending(result)).toBe(true);
    if (!isPending(result)) return;
    expect(result.pending).toMatchObject({
      kind: 'SCOPE_CHANGE',
      status: 'PENDING',
      patId: made.id,
      sensitiveScopes: [SENSITIVE],
    });
    expect((await rita.client.patinaPats.get(made.id)).scope).toEqual(['payments:read']);
  });

  it('patinaPats.usage: one zero-filled UTC day per day asked, oldest first; exchanges count', async () => {
    const rita = await requester();
    const made = await rita.client.patinaPats.create({ name: 'reader', scope: ['payments:read'] });
    if (isPending(made)) throw new Error('not sensitive');
    await clientOf({ clientId: made.id, clientSecret: made.secret }).accessToken();
    const wrong = clientOf({ clientId: made.id, clientSecret: `${made.secret.slice(0, -1)}x` });
    expect((await apiError(wrong.accessToken())).status).toBe(401);

    // The nodes add their counts every few seconds: asked until today's show up.
    const today = new Date().toISOString().slice(0, 10);
    const deadlineMs = Date.now() + 15_000;
    let usage = await rita.client.patinaPats.usage(made.id, { days: 7 });
    while (usage.days.at(-1)!.succeeded === 0 && Date.now() < deadlineMs) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      usage = await rita.client.patinaPats.usage(made.id, { days: 7 });
    }
    expect(usage.patId).toBe(made.id);
    expect(usage.days).toHaveLength(7);
    const days = usage.days.map((d) => d.day);
    expect(days.every((d) => DAY.test(d))).toBe(true);
    expect([...days].sort()).toEqual(days);
    expect(days.at(-1)).toBe(today);
    expect(usage.days.at(-1)).toEqual({ day: today, succeeded: 1, failed: 1 });
    expect(usage.days.slice(0, -1).every((d) => d.succeeded === 0 && d.failed === 0)).toBe(true);
    expect((await rita.client.patinaPats.usage(made.id)).days).toHaveLength(30);
    const tooMany = await apiError(rita.client.patinaPats.usage(made.id, { days: 401 }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.request).toBe('GET /patina/v1/personal-access-tokens/{id}/usage');
  });

  it('accessReviews: create, list, get, items, decide, decideMany, close, report, reportCsv', async () => {
    // An administrator whose PAT names its rights: one with every scope would be in the campaign.
    const admin = clientOf(
      await newUser(server, {
        roles: ['ORG_ADMIN'],
        pat: { scope: [RIGHTS.allRead, RIGHTS.allManage, ...LOGIN_SCOPES] },
      }),
    );
    const owner = await newUser(server, { rights: [REVIEWED], pat: { scope: LOGIN_SCOPES } });
    const reviewer = await approver();
    const ownerClient = clientOf(owner);
    const made = [];
    for (const name of ['first', 'second', 'third']) {
      const result = await ownerClient.patinaPats.create({ name, scope: [REVIEWED] });
      if (isPending(result)) throw new Error('not sensitive');
      made.push(result);
    }
    const [first, second, third] = made as [(typeof made)[0], (typeof made)[0], (typeof made)[0]];

    const deadline = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const review = await admin.accessReviews.create({
      name: 'Payments readers',
      // The bootstrap administrator's all-scopes PAT holds every scope: left out by its role.
      selection: { scopes: [REVIEWED], ownerRoles: ['USER'] },
      reviewers: [reviewer.identity.id],
      deadline,
      whenUndecided: 'revoke',
    });
    expect(review).toMatchObject({
      name: 'Payments readers',
      status: 'OPEN',
      whenUndecided: 'revoke',
      progress: { total: 3, decided: 0, certified: 0, revoked: 0, pending: 3 },
    });
    expect((await admin.accessReviews.list({ status: 'OPEN' })).map((r) => r.id)).toContain(
      review.id,
    );
    expect((await reviewer.client.accessReviews.get(review.id)).id).toBe(review.id);

    const mine = await reviewer.client.accessReviews.items(review.id, {
      reviewer: 'me',
      outcome: 'PENDING',
    });
    const byPat = new Map(mine.map((item) => [item.pat.id, item]));
    const [a, b, c] = [first, second, third].map((pat) => byPat.get(pat.id)!);
    expect(a).toMatchObject({ outcome: 'PENDING', owner: { id: owner.identity.id } });
    expect(a!.evidence.usage).toHaveLength(30);

    const certified = await reviewer.client.accessReviews.decide(review.id, a!.id, {
      decision: 'certify',
      comment: 'Still reads payouts',
    });
    expect(certified).toMatchObject({ outcome: 'CERTIFIED', decision: 'certify' });
    const again = await apiError(
      reviewer.client.accessReviews.decide(review.id, a!.id, { decision: 'revoke', comment: 'x' }),
    );
    expect(again).toMatchObject({ status: 409, code: 'STATE_CONFLICT' });
    expect(again.request).toBe('POST /patina/v1/access-reviews/{id}/items/{itemId}/decision');

    const bulk = await reviewer.client.accessReviews.decideMany(review.id, [
      { itemId: b!.id, decision: 'revoke', comment: 'Unused' },
      { itemId: a!.id, decision: 'revoke', comment: 'Decided already' },
    ]);
    expect(bulk.results.map((r) => [r.itemId, r.status])).toEqual([
      [b!.id, 200],
      [a!.id, 409],
    ]);
    expect(bulk.results[0]!.item).toMatchObject({ outcome: 'REVOKED' });
    const revokedLogin = await apiError(
      clientOf({ clientId: second.id, clientSecret: second.secret }).accessToken(),
    );
    expect(revokedLogin.status).toBe(401);

    const closed = await admin.accessReviews.close(review.id);
    expect(closed.status).toBe('CLOSED');
    expect(closed.closedAt).not.toBeNull();

    const report = await admin.accessReviews.report(review.id);
    expect(report.review.id).toBe(review.id);
    const outcomes = new Map(report.items.map((item) => [item.pat.id, item.outcome]));
    expect(outcomes.get(first.id)).toBe('CERTIFIED');
    expect(outcomes.get(second.id)).toBe('REVOKED');
    expect(outcomes.get(third.id)).toBe('AUTO_REVOKED');
    expect(c!.outcome).toBe('PENDING');

    const csv = await admin.accessReviews.reportCsv(review.id);
    expect(typeof csv).toBe('string');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe(ACCESS_REVIEW_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(report.items.length + 1);
    expect(csv).toContain(first.id);
  });

  it('errors of sub-resources name the route template, and the CSV is asked for by Accept', async () => {
    const accepts: string[] = [];
    const recording: typeof fetch = (input, init) => {
      accepts.push((init?.headers as Record<string, string>).accept!);
      return fetch(input, init);
    };
    const admin = clientOf(server.admin, recording);
    const unknown = 'rev_00000000000000000000000000000000';
    const error = await apiError(admin.accessReviews.reportCsv(unknown));
    expect(accepts.at(-1)).toBe('text/csv');
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(error.request).toBe('GET /patina/v1/access-reviews/{id}/report');
    const notFound = await apiError(admin.patRequests.get('prq_00000000000000000000000000000000'));
    expect(notFound).toMatchObject({ status: 404, request: 'GET /patina/v1/pat-requests/{id}' });
  });
});
