import type { AuditEvent } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { newPatRequestId } from '../../src/pats/pat-requests.js';
import type { PatRequestRecord } from '../../src/storage/pat-requests-repository.js';
import { HOUR_MS, startTestApp, type TestApp } from '../helpers.js';
import { checkedEvents, mailsTo, person, read, recordAudit } from './governance-fixtures.js';
import { deliver, LOCAL_WEBHOOKS, MailCatcher, Receiver, subscribe } from './receivers.js';

/*
 * The notifications of approval requests. Requests are written and their events recorded here
 * as the approval service does (pats/pat-requests.ts, pats/approvals.ts: the same details), in
 * one transaction with the outbox; the webhook bodies and the mails are what the real delivery
 * worker sends to a real receiver and a real SMTP server.
 */

const REQUEST_EVENTS = [
  'pat_request.created',
  'pat_request.approved',
  'pat_request.denied',
  'pat_request.expired',
];

async function setup() {
  const smtp = await MailCatcher.start();
  const t = await startTestApp({ config: { ...smtp.config(), ...LOCAL_WEBHOOKS } });
  const receiver = await Receiver.start(t.clock);
  const hook = await subscribe(t, receiver, REQUEST_EVENTS);
  const bea = await person(t, { name: 'Bea Requester', login: 'bea', email: 'bea@example.com' });
  const carl = await person(t, {
    name: 'Carl Approver',
    login: 'carl',
    email: 'carl@example.com',
    roles: ['ORG_ADMIN'],
  });
  const dora = await person(t, {
    name: 'Dora Disabled',
    login: 'dora',
    email: 'dora@example.com',
    roles: ['ORG_ADMIN'],
    disabled: true,
  });
  const eve = await person(t, { name: 'Eve', login: 'eve', email: null, roles: ['ORG_ADMIN'] });
  const olga = await person(t, { name: 'Olga Owner', login: 'olga', email: 'olga@example.com' });
  const secrets = [hook.secret, t.admin.secret, 'sealed-by-the-test-0123456789abcdef'];
  return { smtp, t, receiver, bea, carl, dora, eve, olga, secrets };
}

/** A PENDING request as openPatRequest writes it, with its PAT_REQUEST_CREATED event. */
async function openRequest(
  t: TestApp,
  input: {
    kind: 'CREATE' | 'SCOPE_CHANGE';
    requester: { id: string; name: string };
    ownerId: string;
    patName: string;
    patId?: string;
    justification?: string;
    ticketUrl?: string | null;
    approverIds: string[];
  },
): Promise<PatRequestRecord> {
  const now = t.clock.now();
  const record: PatRequestRecord = {
    id: newPatRequestId(),
    kind: input.kind,
    status: 'PENDING',
    requesterId: input.requester.id,
    requesterName: input.requester.name,
    ownerId: input.ownerId,
    patName: input.patName,
    scope: ['orders:read', 'orders:write'],
    sensitiveScopes: ['orders:write'],
    input: { name: input.patName, scope: ['orders:read', 'orders:write'] },
    justification: input.justification ?? 'The nightly settlement job writes orders.',
    ticketUrl:
      input.ticketUrl === undefined ? 'https://tickets.example.com/SEC-1234' : input.ticketUrl,
    expirationDate: input.kind === 'CREATE' ? '2026-04-15T10:00:00.000Z' : null,
    patId: input.patId ?? null,
    sealedSecret: null,
    secretAvailableUntil: null,
    expiresAt: new Date(now.getTime() + 72 * HOUR_MS).toISOString(),
    decidedById: null,
    decidedByName: null,
    decidedAt: null,
    comment: null,
    created: now.toISOString(),
    modified: now.toISOString(),
  };
  await t.storage.transaction((repos) => repos.patRequests.insert(record));
  await recordAudit(t, {
    type: 'PAT_REQUEST_CREATED',
    actor: input.requester,
    target: { type: 'PAT_REQUEST', id: record.id, name: record.patName },
    details: {
      kind: record.kind,
      ownerId: record.ownerId,
      requesterId: record.requesterId,
      ...(record.patId !== null && { patId: record.patId }),
      sensitiveScopes: record.sensitiveScopes,
      approverIds: input.approverIds,
    },
  });
  return record;
}

/** An approver's decision, as ApprovalService.approve and .deny write it. */
async function decide(
  t: TestApp,
  record: PatRequestRecord,
  decision: {
    status: 'APPROVED' | 'DENIED' | 'FULFILLED';
    by: { id: string; name: string };
    comment: string | null;
    patId?: string;
  },
): Promise<AuditEvent> {
  const now = t.clock.now();
  const until = new Date(now.getTime() + 24 * HOUR_MS).toISOString();
  const approvedCreate = decision.status === 'APPROVED';
  await t.storage.transaction(async (repos) => {
    const won = await repos.patRequests.decide({
      id: record.id,
      status: decision.status,
      decidedById: decision.by.id,
      decidedByName: decision.by.name,
      comment: decision.comment,
      now: now.toISOString(),
      ...(decision.patId !== undefined && { patId: decision.patId }),
      ...(approvedCreate && {
        sealedSecret: 'sealed-by-the-test-0123456789abcdef',
        secretAvailableUntil: until,
      }),
    });
    expect(won).toBe(true);
  });
  const common = { kind: record.kind, ownerId: record.ownerId, requesterId: record.requesterId };
  return recordAudit(t, {
    type: decision.status === 'DENIED' ? 'PAT_REQUEST_DENIED' : 'PAT_REQUEST_APPROVED',
    actor: decision.by,
    target: { type: 'PAT_REQUEST', id: record.id, name: record.patName },
    details:
      decision.status === 'DENIED'
        ? { ...common, comment: decision.comment }
        : {
            ...common,
            patId: decision.patId,
            ...(approvedCreate ? { secretAvailableUntil: until } : { scope: record.scope }),
          },
  });
}

const RULES = {
  approval: {
    rules: [{ scopes: ['orders:write'], approvers: { roles: ['ORG_ADMIN'] }, requestTtlHours: 72 }],
    secretWindowHours: 24,
  },
};

describe('notifications of approval requests, through the API', () => {
  it('mails the approvers, then the requester how to fetch the secret; the fetched secret is in no mail and no webhook', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: { ...smtp.config(), ...LOCAL_WEBHOOKS, ...RULES } });
    const receiver = await Receiver.start(t.clock);
    const hook = await subscribe(t, receiver, REQUEST_EVENTS);
    await t.services.identities.update(SYSTEM_CONTEXT, t.admin.identity.id, {
      email: 'ada@example.com',
    });
    const rita = await t.user({ name: 'Rita Requester', login: 'rita', rights: ['orders:write'] });
    await t.services.identities.update(SYSTEM_CONTEXT, rita.identity.id, {
      email: 'rita@example.com',
    });
    const asked = await t.request({
      method: 'POST',
      url: '/patina/v1/personal-access-tokens',
      token: rita.token,
      json: {
        name: 'payments-bot',
        scope: ['orders:write'],
        justification: 'Nightly settlement job',
        ticketUrl: 'https://tickets.example.com/SEC-12',
      },
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const id = asked.json<{ request: { id: string } }>().request.id;
    await deliver(t);
    const ask = read(mailsTo(smtp.mails, 'ada@example.com')[0], []);
    expect(ask.subject).toBe(
      'Approval needed: Rita Requester asks for scope orders:write on "payments-bot"',
    );
    expect(ask.text).toContain(`- With the CLI: patina request approve ${id}`);
    expect(mailsTo(smtp.mails, 'rita@example.com')).toEqual([]);

    const approved = await t.request({
      method: 'POST',
      url: `/patina/v1/pat-requests/${id}/approve`,
      token: t.admin.token,
      json: { comment: 'OK for SEC-12' },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    await deliver(t);
    const told = read(mailsTo(smtp.mails, 'rita@example.com')[0], []);
    expect(told.subject).toBe('Approved: scope orders:write on "payments-bot"');
    expect(told.text).toContain(
      `approved your request ${id} for a new personal access token "payments-bot" with the sensitive scope orders:write. Their comment: “OK for SEC-12”`,
    );
    expect(told.text).toContain('until 2026-01-16 10:00 UTC; if nobody fetches it by then');
    expect(told.text).toContain(`- With the CLI: patina request secret ${id}`);

    const fetched = await t.request({
      method: 'POST',
      url: `/patina/v1/pat-requests/${id}/secret`,
      token: rita.token,
    });
    expect(fetched.statusCode, fetched.body).toBe(200);
    const secret = fetched.json<{ secret: string }>().secret;
    await deliver(t);
    const secrets = [secret, hook.secret, t.admin.secret, rita.secret];
    expect(checkedEvents(receiver, secrets).map((e) => e.type)).toEqual([
      'pat_request.created',
      'pat_request.approved',
    ]);
    for (const mail of smtp.mails) read(mail, secrets);
    // Fetching the secret (FULFILLED) is told to nobody: the requester did it.
    expect(smtp.mails).toHaveLength(2);
  });

  it('mails the requester a denial with its comment, and an expiry nobody answered', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: { ...smtp.config(), ...RULES } });
    const rita = await t.user({ name: 'Rita Requester', login: 'rita', rights: ['orders:write'] });
    await t.services.identities.update(SYSTEM_CONTEXT, rita.identity.id, {
      email: 'rita@example.com',
    });
    const ask = async (name: string) => {
      const res = await t.request({
        method: 'POST',
        url: '/patina/v1/personal-access-tokens',
        token: rita.token,
        json: { name, scope: ['orders:write'], justification: 'Settlement' },
      });
      expect(res.statusCode, res.body).toBe(202);
      return res.json<{ request: { id: string } }>().request.id;
    };
    const denied = await ask('denied-bot');
    const unanswered = await ask('waiting-bot');
    const res = await t.request({
      method: 'POST',
      url: `/patina/v1/pat-requests/${denied}/deny`,
      token: t.admin.token,
      json: { comment: 'Use orders:read' },
    });
    expect(res.statusCode, res.body).toBe(200);
    t.clock.advance(73 * HOUR_MS);
    await t.services.housekeeping.runOnce();
    await deliver(t);
    const subjects = mailsTo(smtp.mails, 'rita@example.com').map((m) => m.parsed.subject);
    expect(subjects.sort()).toEqual([
      'Denied: scope orders:write on "denied-bot"',
      'Your request for "waiting-bot" expired unanswered',
    ]);
    const expired = read(
      mailsTo(smtp.mails, 'rita@example.com').find((m) => m.parsed.subject!.includes('expired')),
      [rita.secret],
    );
    expect(expired.text).toContain(`Nobody approved or denied your request ${unanswered} for`);
  });
});

describe('notifications of approval requests', () => {
  it('asks each active approver with an address by mail, and tells the webhook, the request but no secret', async () => {
    const { smtp, t, receiver, bea, carl, dora, eve, secrets } = await setup();
    const ada = t.admin.identity;
    await t.services.identities.update(SYSTEM_CONTEXT, ada.id, { email: 'ada@example.com' });
    const request = await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: bea.id,
      patName: 'settlement <nightly>',
      // The requester named among the approvers is never asked to approve her own request.
      approverIds: [ada.id, carl.id, dora.id, eve.id, bea.id, carl.id],
    });
    await deliver(t);

    const [event, ...more] = checkedEvents(receiver, secrets);
    expect(more).toEqual([]);
    expect(event).toEqual({
      type: 'pat_request.created',
      timestamp: '2026-01-15T10:00:00.000Z',
      data: {
        auditEventId: expect.any(String) as unknown,
        actor: { id: bea.id, name: 'Bea Requester' },
        request: {
          id: request.id,
          kind: 'CREATE',
          status: 'PENDING',
          requester: { id: bea.id, name: 'Bea Requester' },
          owner: { id: bea.id, name: 'Bea Requester' },
          name: 'settlement <nightly>',
          scope: ['orders:read', 'orders:write'],
          sensitiveScopes: ['orders:write'],
          justification: 'The nightly settlement job writes orders.',
          ticketUrl: 'https://tickets.example.com/SEC-1234',
          patId: null,
          expiresAt: '2026-01-18T10:00:00.000Z',
          comment: null,
        },
      },
    });

    // Ada and Carl: Dora is disabled, Eve has no address, Bea asked; Carl once, though named twice.
    expect(smtp.mails.map((m) => m.envelopeTo).sort()).toEqual([
      ['ada@example.com'],
      ['carl@example.com'],
    ]);
    const { subject, text, mail } = read(mailsTo(smtp.mails, 'carl@example.com')[0], secrets);
    expect(subject).toBe(
      'Approval needed: Bea Requester asks for scope orders:write on "settlement <nightly>"',
    );
    expect(text).toContain('Hello Carl Approver,');
    expect(text).toContain(
      'Bea Requester asks for a new personal access token "settlement <nightly>" with the sensitive scope orders:write.',
    );
    expect(text).toContain('Their justification: “The nightly settlement job writes orders.”');
    expect(text).toContain(`- Request: ${request.id}`);
    expect(text).toContain('- Every scope asked for: orders:read, orders:write');
    expect(text).toContain('- The PAT would expire: 2026-04-15 10:00 UTC');
    expect(text).toContain('- Ticket: https://tickets.example.com/SEC-1234');
    expect(text).toContain(
      'What happens next: nothing is made until an approver says yes. The request waits until 2026-01-18 10:00 UTC; unanswered by then, it expires.',
    );
    expect(text).toContain('- In the console: http://patina.test/ui/requests');
    expect(text).toContain(`- With the CLI: patina request approve ${request.id}`);
    expect(text).toContain(
      `- With the API: POST http://patina.test/patina/v1/pat-requests/${request.id}/approve, or POST http://patina.test/patina/v1/pat-requests/${request.id}/deny with {"comment": "why not"}`,
    );
    // Free text is escaped in the HTML part.
    expect(mail.parsed.html).toContain('&quot;settlement &lt;nightly&gt;&quot;');
    expect(mail.parsed.html).not.toContain('<nightly>');
    expect(read(mailsTo(smtp.mails, 'ada@example.com')[0], secrets).text).toContain(
      'Hello Ada Admin,',
    );
  });

  it('tells the requester of an approved CREATE how to fetch the secret once, and the owner that someone else asked', async () => {
    const { smtp, t, receiver, bea, carl, olga, secrets } = await setup();
    const pat = await t.mintPat(olga.id, { name: 'settlement' });
    secrets.push(pat.secret);
    const request = await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: olga.id,
      patName: 'settlement',
      approverIds: [carl.id],
    });
    t.clock.advance(HOUR_MS);
    await decide(t, request, {
      status: 'APPROVED',
      by: { id: carl.id, name: carl.name },
      comment: 'Fine for the settlement run.',
      patId: pat.id,
    });
    await deliver(t);

    const approved = checkedEvents(receiver, secrets).find(
      (e) => e.type === 'pat_request.approved',
    );
    expect(approved?.data).toMatchObject({
      actor: { id: carl.id, name: 'Carl Approver' },
      request: {
        id: request.id,
        status: 'APPROVED',
        owner: { id: olga.id, name: 'Olga Owner' },
        requester: { id: bea.id, name: 'Bea Requester' },
        patId: pat.id,
        comment: 'Fine for the settlement run.',
      },
    });

    const toBea = read(mailsTo(smtp.mails, 'bea@example.com')[0], secrets);
    expect(toBea.subject).toBe('Approved: scope orders:write on "settlement"');
    expect(toBea.text).toContain(
      `Carl Approver approved your request ${request.id} for a new personal access token "settlement" of Olga Owner with the sensitive scope orders:write. Their comment: “Fine for the settlement run.”`,
    );
    expect(toBea.text).toContain(
      `What happens next: the PAT (id ${pat.id}) is made. Its secret can be fetched once, until 2026-01-16 11:00 UTC; if nobody fetches it by then, the PAT is deleted unused.`,
    );
    expect(toBea.text).toContain(`- With the CLI: patina request secret ${request.id}`);
    expect(toBea.text).toContain(
      `- With the API: POST http://patina.test/patina/v1/pat-requests/${request.id}/secret`,
    );
    const toOlga = read(mailsTo(smtp.mails, 'olga@example.com')[0], secrets);
    expect(toOlga.text).toContain('Hello Olga Owner,');
    expect(toOlga.text).toContain(
      `Carl Approver approved Bea Requester's request ${request.id} for a new personal access token "settlement" of yours with the sensitive scope orders:write.`,
    );
    expect(toOlga.text).toContain(
      'Bea Requester fetches the secret; there is nothing for you to do.',
    );
    expect(toOlga.text).not.toContain('patina request secret');
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'bea@example.com',
      'carl@example.com',
      'olga@example.com',
    ]);
  });

  it('tells the requester of a SCOPE_CHANGE that the PAT has the scope now, with its secret unchanged', async () => {
    const { smtp, t, bea, carl, secrets } = await setup();
    const pat = await t.mintPat(bea.id, { name: 'reports' });
    secrets.push(pat.secret);
    const request = await openRequest(t, {
      kind: 'SCOPE_CHANGE',
      requester: { id: bea.id, name: bea.name },
      ownerId: bea.id,
      patName: 'reports',
      patId: pat.id,
      ticketUrl: null,
      approverIds: [carl.id],
    });
    await deliver(t);
    const toCarl = read(mailsTo(smtp.mails, 'carl@example.com')[0], secrets);
    expect(toCarl.text).toContain(
      `Bea Requester asks for the sensitive scope orders:write on the personal access token "reports" (id ${pat.id}).`,
    );
    expect(toCarl.text).toContain('- Ticket: none given');
    expect(toCarl.text).not.toContain('The PAT would expire');
    await decide(t, request, {
      status: 'FULFILLED',
      by: { id: carl.id, name: carl.name },
      comment: null,
      patId: pat.id,
    });
    await deliver(t);
    const toBea = read(mailsTo(smtp.mails, 'bea@example.com')[0], secrets);
    expect(toBea.text).toContain(
      `Carl Approver approved your request ${request.id} for the sensitive scope orders:write on the personal access token "reports" (id ${pat.id}).`,
    );
    expect(toBea.text).toContain(
      'What happens next: the PAT has the new scope orders:write from now on; its secret is unchanged',
    );
    expect(toBea.text).not.toContain('Their comment');
    expect(toBea.text).not.toContain('patina request secret');
  });

  it('tells the requester and the owner of a denial, with the approver’s comment', async () => {
    const { smtp, t, receiver, bea, carl, olga, secrets } = await setup();
    const request = await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: olga.id,
      patName: 'settlement',
      approverIds: [carl.id],
    });
    await decide(t, request, {
      status: 'DENIED',
      by: { id: carl.id, name: carl.name },
      comment: 'Use the read-only scope; writes go through the batch API.',
    });
    await deliver(t);
    const denied = checkedEvents(receiver, secrets).find((e) => e.type === 'pat_request.denied');
    expect(denied?.data).toMatchObject({
      request: {
        status: 'DENIED',
        comment: 'Use the read-only scope; writes go through the batch API.',
        patId: null,
      },
    });
    const toBea = read(mailsTo(smtp.mails, 'bea@example.com')[0], secrets);
    expect(toBea.subject).toBe('Denied: scope orders:write on "settlement"');
    expect(toBea.text).toContain(
      `Carl Approver denied your request ${request.id} for a new personal access token "settlement" of Olga Owner with the sensitive scope orders:write.`,
    );
    expect(toBea.text).toContain(
      'Their comment: “Use the read-only scope; writes go through the batch API.”',
    );
    expect(toBea.text).toContain('What happens next: nothing was made.');
    const toOlga = read(mailsTo(smtp.mails, 'olga@example.com')[0], secrets);
    expect(toOlga.text).toContain(
      `Carl Approver denied Bea Requester's request ${request.id} for a new personal access token "settlement" of yours`,
    );
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'bea@example.com',
      'carl@example.com',
      'olga@example.com',
    ]);
  });

  it('tells the requester when nobody answered in time, and when the approved secret was not fetched', async () => {
    const { smtp, t, receiver, bea, carl, secrets } = await setup();
    const unanswered = await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: bea.id,
      patName: 'settlement',
      approverIds: [carl.id],
    });
    const pat = await t.mintPat(bea.id, { name: 'archive' });
    secrets.push(pat.secret);
    const lapsed = await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: bea.id,
      patName: 'archive',
      approverIds: [carl.id],
    });
    await decide(t, lapsed, {
      status: 'APPROVED',
      by: { id: carl.id, name: carl.name },
      comment: null,
      patId: pat.id,
    });
    t.clock.advance(72 * HOUR_MS);
    for (const [record, stage] of [
      [unanswered, 'PENDING'],
      [lapsed, 'SECRET'],
    ] as const) {
      await t.storage.transaction((repos) =>
        repos.patRequests.expire(
          record.id,
          stage === 'PENDING' ? 'PENDING' : 'APPROVED',
          t.clock.now().toISOString(),
        ),
      );
      await recordAudit(t, {
        type: 'PAT_REQUEST_EXPIRED',
        target: { type: 'PAT_REQUEST', id: record.id, name: record.patName },
        details: {
          kind: record.kind,
          ownerId: record.ownerId,
          requesterId: record.requesterId,
          stage,
          ...(stage === 'SECRET' && { patId: pat.id }),
        },
      });
    }
    await deliver(t);
    const expired = checkedEvents(receiver, secrets).filter(
      (e) => e.type === 'pat_request.expired',
    );
    expect(expired.map((e) => (e.data.request as { status: string }).status)).toEqual([
      'EXPIRED',
      'EXPIRED',
    ]);
    expect(expired.map((e) => e.data.actor)).toEqual([
      { id: null, name: 'patina' },
      { id: null, name: 'patina' },
    ]);
    const toBea = mailsTo(smtp.mails, 'bea@example.com');
    const subjects = toBea.map((m) => m.parsed.subject);
    // The approval mail of `lapsed`, and the two expiries.
    expect([...subjects].sort()).toEqual([
      'Approved: scope orders:write on "archive"',
      'The secret of "archive" was not fetched in time: the PAT was deleted',
      'Your request for "settlement" expired unanswered',
    ]);
    const bySubject = (start: string) => toBea.find((m) => m.parsed.subject!.startsWith(start));
    const pending = read(bySubject('Your request'), secrets).text;
    expect(pending).toContain(
      `Nobody approved or denied your request ${unanswered.id} for a new personal access token "settlement" with the sensitive scope orders:write before 2026-01-18 10:00 UTC, so it expired.`,
    );
    expect(pending).toContain('What happens next: nothing was made.');
    expect(pending).toContain('What to do: if you still need it, ask again');
    const secret = read(bySubject('The secret'), secrets).text;
    expect(secret).toContain(
      `Your request ${lapsed.id} for a new personal access token "archive" with the sensitive scope orders:write was approved, but nobody fetched the new PAT's secret before 2026-01-18 10:00 UTC.`,
    );
    expect(secret).toContain(`Patina deleted the PAT (id ${pat.id}) unused`);
    // Only the requester hears of an expiry.
    expect(mailsTo(smtp.mails, 'carl@example.com')).toHaveLength(2);
  });

  it('queues no request mail without an SMTP server, and still the webhook', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    await subscribe(t, receiver, REQUEST_EVENTS);
    const bea = await person(t, { name: 'Bea', login: 'bea', email: 'bea@example.com' });
    const carl = await person(t, {
      name: 'Carl',
      login: 'carl',
      email: 'carl@example.com',
      roles: ['ORG_ADMIN'],
    });
    await openRequest(t, {
      kind: 'CREATE',
      requester: { id: bea.id, name: bea.name },
      ownerId: bea.id,
      patName: 'settlement',
      approverIds: [carl.id],
    });
    const rows = await t.storage.db.selectFrom('notification_deliveries').selectAll().execute();
    expect(rows.map((r) => r.channel)).toEqual(['webhook']);
  });
});
