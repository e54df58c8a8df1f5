import { AUDIT_EVENT_TYPES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { expectRefused, startTestApp, V3, type TestApp } from '../helpers.js';

const AUDIT = '/patina/v1/audit-events';

interface EventBody {
  type: string;
  time: string;
  actor: { id: string | null };
  target: { id: string | null; name: string | null };
}

/**
 * A small trail at known times: 10:00:00 the setup (identity, PAT, use of the admin),
 * then one event a minute — 10:01 create 'a', 10:02 create 'b', 10:03 rename 'a', 10:04 Bea's
 * identity, 10:05 Bea creates 'c'.
 */
async function seed(t: TestApp) {
  const created: Record<string, string> = {};
  const create = async (name: string, token = t.admin.token) => {
    t.clock.advance(60_000);
    const res = await t.postPat({ name }, token);
    expect(res.statusCode).toBe(200);
    created[name] = res.json<{ id: string }>().id;
  };
  await create('a');
  await create('b');
  t.clock.advance(60_000);
  const renamed = await t.request({
    method: 'PATCH',
    url: `${V3}/${created.a}`,
    token: t.admin.token,
    json: [{ op: 'replace', path: '/name', value: 'a2' }],
  });
  expect(renamed.statusCode).toBe(200);
  t.clock.advance(60_000);
  const bea = await t.user({ name: 'Bea' });
  await create('c', bea.token);
  return { ids: created, bea };
}

async function query(t: TestApp, q: string) {
  const res = await t.request({ method: 'GET', url: `${AUDIT}?${q}`, token: t.admin.token });
  expect(res.statusCode).toBe(200);
  return {
    events: res.json<EventBody[]>(),
    total: res.headers['x-total-count'],
  };
}

const summary = (events: EventBody[]) => events.map((e) => [e.time.slice(11, 19), e.type]);

describe('GET /patina/v1/audit-events', () => {
  it('lists events newest first', async () => {
    const t = await startTestApp();
    await seed(t);
    const { events, total } = await query(t, '');
    expect(total).toBeUndefined();
    expect(summary(events)).toEqual([
      ['10:05:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:04:00', 'PERSONAL_ACCESS_TOKEN_USED'],
      ['10:04:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:04:00', 'IDENTITY_CREATED'],
      ['10:03:00', 'PERSONAL_ACCESS_TOKEN_UPDATED'],
      ['10:02:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:01:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:00:00', 'PERSONAL_ACCESS_TOKEN_USED'],
      ['10:00:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:00:00', 'IDENTITY_CREATED'],
    ]);
  });

  it('filters by type, actor and target, and pages with limit, offset and count', async () => {
    const t = await startTestApp();
    const { ids, bea } = await seed(t);

    const byType = await query(t, 'type=PERSONAL_ACCESS_TOKEN_CREATED&count=true');
    expect(byType.total).toBe('5');
    expect(byType.events.map((e) => e.target.name)).toEqual(['c', 'login', 'b', 'a', 'login']);

    const byActor = await query(t, `actor-id=${bea.identity.id}`);
    expect(summary(byActor.events)).toEqual([
      ['10:05:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:04:00', 'PERSONAL_ACCESS_TOKEN_USED'],
    ]);

    const byTarget = await query(t, `target-id=${ids.a}`);
    expect(summary(byTarget.events)).toEqual([
      ['10:03:00', 'PERSONAL_ACCESS_TOKEN_UPDATED'],
      ['10:01:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
    ]);

    const combined = await query(
      t,
      `type=PERSONAL_ACCESS_TOKEN_CREATED&actor-id=${t.admin.identity.id}&count=true`,
    );
    expect(combined.total).toBe('2');
    expect(combined.events.map((e) => e.target.name)).toEqual(['b', 'a']);

    const page = await query(t, 'type=PERSONAL_ACCESS_TOKEN_CREATED&limit=2&offset=1&count=true');
    expect(page.total).toBe('5');
    expect(page.events.map((e) => e.target.name)).toEqual(['login', 'b']);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const t = await startTestApp();
    await seed(t);
    const window = await query(
      t,
      'from=2026-01-15T10:02:00.000Z&to=2026-01-15T10:04:00.000Z&count=true',
    );
    expect(window.total).toBe('2');
    expect(summary(window.events)).toEqual([
      ['10:03:00', 'PERSONAL_ACCESS_TOKEN_UPDATED'],
      ['10:02:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
    ]);
    // Offsets other than Z are the same instant.
    const shifted = await query(t, 'from=2026-01-15T11:04:00%2B01:00');
    expect(summary(shifted.events)).toEqual([
      ['10:05:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:04:00', 'PERSONAL_ACCESS_TOKEN_USED'],
      ['10:04:00', 'PERSONAL_ACCESS_TOKEN_CREATED'],
      ['10:04:00', 'IDENTITY_CREATED'],
    ]);
  });

  it.each([
    {
      q: 'from=yesterday',
      code: '400.1.3 Illegal value',
      text: "Query parameter 'from' must be a valid date-time (RFC 3339, e.g. 2026-07-11T18:45:37.098Z)",
    },
    {
      q: 'to=2026-13-01',
      code: '400.1.3 Illegal value',
      text: "Query parameter 'to' must be a valid date-time (RFC 3339, e.g. 2026-07-11T18:45:37.098Z)",
    },
    {
      q: 'type=PERSONAL_ACCESS_TOKEN_STOLEN',
      code: '400.1.3 Illegal value',
      text: `Unknown audit event type 'PERSONAL_ACCESS_TOKEN_STOLEN'; known: ${AUDIT_EVENT_TYPES.join(', ')}`,
    },
    {
      q: 'limit=251',
      code: '400.1.3 Illegal value',
      text: "Query parameter 'limit' must be <= 250",
    },
    {
      q: 'offset=-1',
      code: '400.1.3 Illegal value',
      text: "Query parameter 'offset' must be >= 0",
    },
  ])('refuses $q with a 400 naming the parameter', async ({ q, code, text }) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => t.request({ method: 'GET', url: `${AUDIT}?${q}`, token: t.admin.token }),
      [400, code, text],
    );
  });

  it('is refused to an identity without the all-read right', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Una', rights: ['orders:read'] });
    await expectRefused(t, () => t.request({ method: 'GET', url: AUDIT, token: user.token }), [
      403,
      '403 Forbidden',
      'Reading audit events needs the right sp:all-personal-access-tokens:read',
    ]);
  });
});
