import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  MISSING,
  START,
  startTestApp,
  V3,
  type TestApp,
  type TestUser,
} from '../helpers.js';

/**
 * Approval of sensitive scopes (docs/governance.md, "Approval"): a create or a scope change
 * naming a scope of `approval.rules` makes a PENDING request, never a usable PAT, until someone
 * the rule names (not the requester, not the owner) says yes; the secret is then fetched once.
 */

const PATS = '/patina/v1/personal-access-tokens';
const REQUESTS = '/patina/v1/pat-requests';
const APPROVAL_REQUIRED = '403.1 Approval required';
const CONFLICT = '409 Conflict';

const RULES = {
  approval: {
    rules: [
      {
        scopes: ['orders:write'],
        approvers: { roles: ['ORG_ADMIN'] },
        requestTtlHours: 72,
        maxLifetimeDays: 90,
      },
    ],
    secretWindowHours: 24,
  },
};

interface PatRequestBody {
  id: string;
  kind: string;
  status: string;
  patId: string | null;
  expiresAt: string;
  expirationDate: string | null;
  canDecide: boolean;
  comment: string | null;
  secretAvailableUntil: string | null;
}

async function setUp(config: Record<string, unknown> = RULES) {
  const t = await startTestApp({ config });
  const rita = await t.user({ name: 'Rita Requester', login: 'rita', rights: ['orders:write'] });
  const other = await t.user({ name: 'Otto Other', login: 'otto', rights: ['orders:read'] });
  return { t, rita, other };
}

function ask(t: TestApp, user: TestUser, body: Record<string, unknown>) {
  return t.request({ method: 'POST', url: PATS, token: user.token, json: body });
}

const SENSITIVE = {
  name: 'payments-bot',
  scope: ['orders:write'],
  justification: 'Nightly settlement job, SEC-12',
  ticketUrl: 'https://tickets.example.com/SEC-12',
};

async function pending(t: TestApp, user: TestUser): Promise<PatRequestBody> {
  const res = await ask(t, user, SENSITIVE);
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ request: PatRequestBody }>().request;
}

function decide(t: TestApp, user: TestUser, id: string, verb: string, body: unknown = {}) {
  return t.request({
    method: 'POST',
    url: `${REQUESTS}/${id}/${verb}`,
    token: user.token,
    json: body,
  });
}

async function livePats(t: TestApp, ownerId: string): Promise<string[]> {
  const rows = await t.storage.db
    .selectFrom('personal_access_tokens')
    .select('name')
    .where('owner_id', '=', ownerId)
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.name).sort();
}

/** After the clock moved past their life, the users' access tokens are minted afresh. */
async function refresh(t: TestApp, ...users: TestUser[]): Promise<void> {
  for (const user of users) user.token = await t.accessToken(user.patId, user.secret);
}

async function requestRows(t: TestApp) {
  return t.storage.db.selectFrom('pat_requests').selectAll().execute();
}

describe('approval of sensitive scopes', () => {
  it('a sensitive create makes a PENDING request, capped by the rule, and no PAT', async () => {
    const { t, rita } = await setUp();
    const res = await ask(t, rita, SENSITIVE);
    expect(res.statusCode).toBe(202);
    const { request } = res.json<{ request: Record<string, unknown> }>();
    expect(request).toEqual({
      id: expect.stringMatching(/^prq_[0-9a-f]{32}$/) as unknown,
      kind: 'CREATE',
      status: 'PENDING',
      requester: { id: rita.identity.id, name: 'Rita Requester' },
      owner: { id: rita.identity.id, name: 'Rita Requester' },
      name: 'payments-bot',
      scope: ['orders:write'],
      sensitiveScopes: ['orders:write'],
      justification: SENSITIVE.justification,
      ticketUrl: SENSITIVE.ticketUrl,
      // The default expiry (6 months) is shortened to the rule's 90 days.
      expirationDate: new Date(Date.parse(START) + 90 * DAY_MS).toISOString(),
      patId: null,
      created: START,
      expiresAt: new Date(Date.parse(START) + 72 * HOUR_MS).toISOString(),
      decidedBy: null,
      decidedAt: null,
      comment: null,
      secretAvailableUntil: null,
      canDecide: false,
    });
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
    const [event] = await t.auditEvents('PAT_REQUEST_CREATED');
    expect(event?.actor_id).toBe(rita.identity.id);
    // The administrators who may approve are named for the notification.
    expect(JSON.parse(event!.details) as unknown).toMatchObject({
      kind: 'CREATE',
      sensitiveScopes: ['orders:write'],
      approverIds: [t.admin.identity.id],
    });
  });

  it('the all-scopes default is sensitive when the owner holds a sensitive right', async () => {
    const { t, rita, other } = await setUp();
    const all = await ask(t, rita, { ...SENSITIVE, scope: null });
    expect(all.statusCode).toBe(202);
    expect(all.json<{ request: { sensitiveScopes: string[] } }>().request.sensitiveScopes).toEqual([
      'orders:write',
    ]);
    // Otto holds no sensitive right: his default PAT is made at once.
    const plain = await ask(t, other, { name: 'reader', scope: null });
    expect(plain.statusCode).toBe(200);
  });

  it('needs a justification, and refuses an expiry beyond the rule: nothing is written', async () => {
    const { t, rita } = await setUp();
    const missing = await ask(t, rita, { name: 'x', scope: ['orders:write'] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      detailCode: MISSING,
      messages: [{ text: "'justification' is required and must not be empty" }],
    });
    const blank = await ask(t, rita, { ...SENSITIVE, justification: '   ' });
    expect(blank.statusCode).toBe(400);
    const tooLong = await ask(t, rita, {
      ...SENSITIVE,
      expirationDate: new Date(Date.parse(START) + 120 * DAY_MS).toISOString(),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json<{ messages: { text: string }[] }>().messages[0]!.text).toMatch(
      /^'expirationDate' must be at most 90 days ahead/,
    );
    const badTicket = await ask(t, rita, { ...SENSITIVE, ticketUrl: 'javascript:alert(1)' });
    expect(badTicket.statusCode).toBe(400);
    expect(badTicket.body).toContain('ticketUrl');
    expect(await requestRows(t)).toEqual([]);
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
  });

  it('SailPoint surfaces answer their error body saying where to ask; nothing is made', async () => {
    const { t, rita } = await setUp();
    for (const surface of [V3, '/beta/personal-access-tokens', '/v2025/personal-access-tokens']) {
      const res = await t.request({
        method: 'POST',
        url: surface,
        token: rita.token,
        json: { name: 'sailpoint-way', scope: ['orders:write'] },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        detailCode: APPROVAL_REQUIRED,
        messages: [
          {
            text: expect.stringContaining(
              "Scope 'orders:write' needs an approver's yes (approval.rules): ask with a justification at /patina/v1/personal-access-tokens",
            ) as unknown,
          },
        ],
      });
    }
    expect(await requestRows(t)).toEqual([]);
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
  });

  it('approve → the requester fetches the secret once → the PAT exchanges', async () => {
    const { t, rita } = await setUp();
    const request = await pending(t, rita);
    const listed = await t.request({
      method: 'GET',
      url: `${REQUESTS}?status=pending`,
      token: t.admin.token,
    });
    expect(listed.json<PatRequestBody[]>().map((r) => [r.id, r.canDecide])).toEqual([
      [request.id, true],
    ]);

    t.clock.advance(60_000);
    const approved = await decide(t, t.admin, request.id, 'approve', { comment: 'ok for Q3' });
    expect(approved.statusCode, approved.body).toBe(200);
    const body = approved.json<PatRequestBody>();
    expect(body).toMatchObject({
      status: 'APPROVED',
      comment: 'ok for Q3',
      decidedBy: { id: t.admin.identity.id, name: 'Ada Admin' },
      secretAvailableUntil: new Date(t.clock.now().getTime() + 24 * HOUR_MS).toISOString(),
    });
    expect(await livePats(t, rita.identity.id)).toEqual(['login', 'payments-bot']);
    // The approved secret is kept sealed, never in the clear.
    const [row] = await requestRows(t);
    expect(row?.sealed_secret).toBeTruthy();

    // Only the requester fetches it.
    const stranger = await decide(t, t.admin, request.id, 'secret');
    expect(stranger.statusCode).toBe(403);
    const fetched = await decide(t, rita, request.id, 'secret');
    expect(fetched.statusCode, fetched.body).toBe(200);
    const pat = fetched.json<{
      id: string;
      secret: string;
      scope: string[];
      expirationDate: string;
    }>();
    expect(pat.id).toBe(body.patId);
    expect(pat.secret).toMatch(/^.{64}$/);
    expect(pat.scope).toEqual(['orders:write']);
    // 90 days from the approval, the PAT's creation.
    expect(pat.expirationDate).toBe(new Date(t.clock.now().getTime() + 90 * DAY_MS).toISOString());
    const again = await decide(t, rita, request.id, 'secret');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ detailCode: CONFLICT });
    expect(again.body).not.toContain(pat.secret);
    expect((await requestRows(t))[0]?.sealed_secret).toBeNull();

    const exchanged = await t.exchange(pat.id, pat.secret, { scope: 'orders:write' });
    expect(exchanged.statusCode).toBe(200);
    const got = await t.request({
      method: 'GET',
      url: `${REQUESTS}/${request.id}`,
      token: rita.token,
    });
    expect(got.json<PatRequestBody>().status).toBe('FULFILLED');
    expect((await t.auditEvents('PAT_REQUEST_FULFILLED')).length).toBe(1);
  });

  it('refuses self-approval, the owner, and anyone the rule does not name', async () => {
    const { t, rita, other } = await setUp({
      approval: {
        rules: [{ scopes: ['orders:write'], approvers: { roles: ['ORG_ADMIN', 'USER'] } }],
      },
    });
    const request = await pending(t, rita);
    const self = await decide(t, rita, request.id, 'approve');
    expect(self.statusCode).toBe(403);
    expect(self.json<{ messages: { text: string }[] }>().messages[0]!.text).toBe(
      `Request '${request.id}' cannot be approved or denied by its requester: someone else must decide`,
    );
    // Otto is a USER, which this rule names: he may decide.
    const byOtto = await decide(t, other, request.id, 'deny', { comment: 'no' });
    expect(byOtto.statusCode).toBe(200);

    const { t: t2, rita: rita2, other: otto2 } = await setUp();
    const second = await pending(t2, rita2);
    // Otto is no approver under the default rule: he cannot even see the request.
    const seen = await t2.request({
      method: 'GET',
      url: `${REQUESTS}/${second.id}`,
      token: otto2.token,
    });
    expect(seen.statusCode).toBe(404);
    const tried = await decide(t2, otto2, second.id, 'approve');
    expect(tried.statusCode).toBe(404);
    const list = await t2.request({ method: 'GET', url: REQUESTS, token: otto2.token });
    expect(list.json()).toEqual([]);
    expect(await livePats(t2, rita2.identity.id)).toEqual(['login']);
  });

  it('deny needs a comment and makes nothing; a decided request cannot be decided again', async () => {
    const { t, rita } = await setUp();
    const request = await pending(t, rita);
    const noComment = await decide(t, t.admin, request.id, 'deny', {});
    expect(noComment.statusCode).toBe(400);
    expect(noComment.body).toContain('comment');
    const denied = await decide(t, t.admin, request.id, 'deny', { comment: 'Use orders:read' });
    expect(denied.json()).toMatchObject({ status: 'DENIED', comment: 'Use orders:read' });
    const late = await decide(t, t.admin, request.id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json<{ messages: { text: string }[] }>().messages[0]!.text).toBe(
      `Request '${request.id}' was already decided (DENIED)`,
    );
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
    expect((await decide(t, rita, request.id, 'secret')).statusCode).toBe(409);
  });

  it('two approvers at once: one wins, the other gets 409, one PAT is made', async () => {
    const { t, rita } = await setUp();
    const bob = await t.user({ name: 'Bob Boss', login: 'bob', roles: ['ORG_ADMIN'] });
    const request = await pending(t, rita);
    const answers = await Promise.all([
      decide(t, t.admin, request.id, 'approve'),
      decide(t, bob, request.id, 'approve'),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(await livePats(t, rita.identity.id)).toEqual(['login', 'payments-bot']);
  });

  it('an unanswered request expires: nothing is made, and it cannot be approved', async () => {
    const { t, rita } = await setUp();
    const request = await pending(t, rita);
    t.clock.advance(72 * HOUR_MS);
    await refresh(t, t.admin, rita);
    const late = await decide(t, t.admin, request.id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('has expired');
    const sweep = await t.services.housekeeping.runOnce();
    expect(sweep.approvalRequests).toEqual({ expired: 1, secretsLapsed: 0 });
    const got = await t.request({
      method: 'GET',
      url: `${REQUESTS}/${request.id}`,
      token: rita.token,
    });
    expect(got.json<PatRequestBody>().status).toBe('EXPIRED');
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
    expect((await t.services.housekeeping.runOnce()).approvalRequests.expired).toBe(0);
  });

  it('a secret nobody fetches in time: the PAT is deleted unused', async () => {
    const { t, rita } = await setUp();
    const request = await pending(t, rita);
    const approved = await decide(t, t.admin, request.id, 'approve');
    const { patId } = approved.json<PatRequestBody>();
    t.clock.advance(24 * HOUR_MS);
    await refresh(t, rita);
    expect((await decide(t, rita, request.id, 'secret')).statusCode).toBe(409);
    expect((await t.services.housekeeping.runOnce()).approvalRequests.secretsLapsed).toBe(1);
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
    const deleted = await t.auditEvents('PERSONAL_ACCESS_TOKEN_DELETED');
    expect(deleted.map((e) => e.target_id)).toEqual([patId]);
    expect((await requestRows(t))[0]).toMatchObject({ status: 'EXPIRED', sealed_secret: null });
  });

  it('an approval still obeys every rule: the owner limit refuses it, the request stays', async () => {
    const { t, rita } = await setUp({ ...RULES, policy: { maxTokensPerOwner: 2 } });
    const request = await pending(t, rita);
    // A second PAT (not sensitive) reaches the limit of 2 before the approval.
    expect((await ask(t, rita, { name: 'reader', scope: ['orders:read'] })).statusCode).toBe(200);
    const approved = await decide(t, t.admin, request.id, 'approve');
    expect(approved.statusCode).toBe(400);
    expect(approved.json()).toMatchObject({ detailCode: '400.1.4 Limit violation' });
    const got = await t.request({
      method: 'GET',
      url: `${REQUESTS}/${request.id}`,
      token: rita.token,
    });
    expect(got.json<PatRequestBody>().status).toBe('PENDING');
    expect(await livePats(t, rita.identity.id)).toEqual(['login', 'reader']);
  });

  it('a patch adding a sensitive scope is a SCOPE_CHANGE request; SailPoint PATCH is refused', async () => {
    const { t, rita } = await setUp();
    const made = await ask(t, rita, { name: 'reader', scope: ['orders:read'] });
    const { id } = made.json<{ id: string }>();
    const sailpoint = await t.request({
      method: 'PATCH',
      url: `${V3}/${id}`,
      token: rita.token,
      json: [{ op: 'replace', path: '/scope', value: ['orders:read', 'orders:write'] }],
    });
    expect(sailpoint.statusCode).toBe(403);
    expect(sailpoint.json()).toMatchObject({ detailCode: APPROVAL_REQUIRED });

    const patch = (body: unknown) =>
      t.request({
        method: 'PATCH',
        url: `${PATS}/${id}`,
        token: rita.token,
        headers: { 'content-type': 'application/merge-patch+json' },
        json: body,
      });
    // Its expiry (6 months) is beyond the rule's 90 days: set an earlier one in the same change.
    const tooLong = await patch({ scope: ['orders:read', 'orders:write'], justification: 'why' });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('expirationDate');
    const expirationDate = new Date(Date.parse(START) + 30 * DAY_MS).toISOString();
    const asked = await patch({
      scope: ['orders:read', 'orders:write'],
      expirationDate,
      justification: 'Needs to settle orders',
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const request = asked.json<{ request: PatRequestBody }>().request;
    expect(request).toMatchObject({ kind: 'SCOPE_CHANGE', patId: id, status: 'PENDING' });
    const before = await t.request({ method: 'GET', url: `${PATS}/${id}`, token: rita.token });
    expect(before.json<{ scope: string[] }>().scope).toEqual(['orders:read']);

    const approved = await decide(t, t.admin, request.id, 'approve');
    expect(approved.json<PatRequestBody>().status).toBe('FULFILLED');
    const after = await t.request({ method: 'GET', url: `${PATS}/${id}`, token: rita.token });
    expect(after.json()).toMatchObject({ scope: ['orders:read', 'orders:write'], expirationDate });
    // Dropping the sensitive scope again needs nobody.
    const dropped = await patch({ scope: ['orders:read'] });
    expect(dropped.statusCode).toBe(200);
  });

  it('a delegated token cannot decide, even one derived from an approver’s', async () => {
    const { t, rita } = await setUp();
    const request = await pending(t, rita);
    const exchanged = await t.postForm('/oauth/token', {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: t.admin.token,
      subject_token_type: TOKEN_TYPES.accessToken,
    });
    expect(exchanged.statusCode, exchanged.body).toBe(200);
    const delegated = {
      ...t.admin,
      token: exchanged.json<{ access_token: string }>().access_token,
    };
    const res = await decide(t, delegated, request.id, 'approve');
    expect(res.statusCode).toBe(403);
    expect(res.json<{ messages: { text: string }[] }>().messages[0]!.text).toBe(
      'Deciding an approval request is not possible with a delegated token: it may only use what it was given',
    );
    expect(await livePats(t, rita.identity.id)).toEqual(['login']);
  });

  it('with no rules, nothing changes: sensitive-looking creates are made at once', async () => {
    const { t, rita } = await setUp({});
    const res = await ask(t, rita, { name: 'x', scope: ['orders:write'] });
    expect(res.statusCode).toBe(200);
  });
});
