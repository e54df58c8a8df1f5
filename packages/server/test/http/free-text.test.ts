import { describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOKS } from '../notifications/receivers.js';
import {
  expectSailPointError,
  ILLEGAL,
  PAT_SURFACES,
  startTestApp,
  type TestApp,
} from '../helpers.js';

/**
 * One free-text rule (issue 21, item 6; `@patina/contract` free-text.ts) on every field people
 * write, on every surface: NFC, no control or invisible characters, no lone surrogate, no Patina
 * secret. Each refusal is a 400 in the surface's error body that names the field, never echoes
 * the value, and writes nothing.
 */

const EXPIRES = '2026-03-01T00:00:00.000Z';
const POLL = 'urn:ietf:rfc:8936';
const CAEP_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const PATINA_PATS = '/patina/v1/personal-access-tokens';
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_BODY = { 'content-type': 'application/json' };

type Problem = 'invisible' | 'lone-surrogate' | 'secret';

const MESSAGES: Record<Problem, (field: string) => string> = {
  invisible: (field) =>
    `'${field}' must not contain control or invisible characters (such as line breaks, escapes, zero-width spaces or direction overrides)`,
  'lone-surrogate': (field) => `'${field}' must be valid Unicode text: it has a lone surrogate`,
  secret: (field) =>
    `'${field}' must not contain a Patina secret: it would be stored and shown in clear`,
};

/** What an attacker or a careless paste puts into a name; `secret` is a live Patina secret. */
function badValues(secret: string): [what: string, value: string, problem: Problem][] {
  return [
    ['ESC[2J (clears the terminal)', 'deploy\u001b[2J', 'invisible'],
    [
      'an OSC 52 clipboard write',
      'deploy\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007',
      'invisible',
    ],
    ['NUL', 'deploy\u0000', 'invisible'],
    ['CR/LF', 'deploy\r\n2026-01-15 INFO forged log line', 'invisible'],
    ['a bare CR', 'deploy\rprod', 'invisible'],
    ['U+200B, a zero-width space', 'de\u200Bploy', 'invisible'],
    ['U+202E, a right-to-left override', 'deploy\u202Egpj.exe', 'invisible'],
    ['a C1 control (CSI)', 'deploy\u009b2J', 'invisible'],
    ['a lone surrogate', 'deploy \uD800', 'lone-surrogate'],
    ['a Patina secret', secret, 'secret'],
    ['a Patina secret in a sentence', `the CI secret is ${secret}, keep it`, 'secret'],
  ];
}

/** Everything a refused request must leave as it was. */
async function everything(t: TestApp) {
  const db = t.storage.db;
  return {
    ...(await t.snapshot()),
    webhooks: await db.selectFrom('webhooks').selectAll().orderBy('id').execute(),
    streams: await db.selectFrom('ssf_streams').selectAll().orderBy('id').execute(),
    events: await db.selectFrom('ssf_events').selectAll().execute(),
  };
}

type Sender = (value: string) => ReturnType<TestApp['request']>;

interface Case {
  /** The request, as a test name. */
  name: string;
  /** The field the 400 must name. */
  field: string;
  /** Makes what the request needs (a PAT, a stream) and returns a sender of one value. */
  prepare(t: TestApp): Sender | Promise<Sender>;
}

const patCreate = (base: string): Case => ({
  name: `POST ${base} name`,
  field: 'name',
  prepare: (t) => (value) =>
    t.request({
      method: 'POST',
      url: base,
      token: t.admin.token,
      json: { name: value, expirationDate: EXPIRES },
    }),
});

const patJsonPatch = (base: string): Case => ({
  name: `PATCH ${base}/{id} (JSON Patch) /name`,
  field: 'name',
  prepare: async (t) => {
    const { id } = await t.mintPat(t.admin.identity.id, {
      name: 'target',
      expirationDate: EXPIRES,
    });
    return (value) =>
      t.request({
        method: 'PATCH',
        url: `${base}/${id}`,
        token: t.admin.token,
        json: [{ op: 'replace', path: '/name', value }],
      });
  },
});

const patinaMergePatch = (field: 'name' | 'description'): Case => ({
  name: `PATCH ${PATINA_PATS}/{id} (merge patch) ${field}`,
  field,
  prepare: async (t) => {
    const { id } = await t.mintPat(t.admin.identity.id, {
      name: 'target',
      expirationDate: EXPIRES,
    });
    return (value) =>
      t.request({
        method: 'PATCH',
        url: `${PATINA_PATS}/${id}`,
        token: t.admin.token,
        headers: MERGE,
        json: { [field]: value },
      });
  },
});

/** A Shared Signals receiver with a poll stream; the sender posts `body(stream id, value)`. */
const ssf = (
  name: string,
  field: string,
  method: 'POST' | 'PATCH' | 'PUT',
  url: string,
  body: (streamId: string, value: string) => Record<string, unknown>,
): Case => ({
  name: `${method} ${url} ${name}`,
  field,
  prepare: async (t) => {
    const receiver = await t.user({ name: 'Receiver', login: 'receiver', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: receiver.token,
      json: { delivery: { method: POLL }, description: 'orders API' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const streamId = created.json<{ stream_id: string }>().stream_id;
    return (value) =>
      t.request({
        method,
        url,
        token: receiver.token,
        headers: JSON_BODY,
        json: body(streamId, value),
      });
  },
});

const CASES: Case[] = [
  ...PAT_SURFACES.map(patCreate),
  ...PAT_SURFACES.map(patJsonPatch),
  patCreate(PATINA_PATS),
  {
    name: `POST ${PATINA_PATS} description`,
    field: 'description',
    prepare: (t) => (value) =>
      t.request({
        method: 'POST',
        url: PATINA_PATS,
        token: t.admin.token,
        json: { name: 'deploy', description: value },
      }),
  },
  patinaMergePatch('name'),
  patinaMergePatch('description'),
  {
    name: 'POST /patina/v1/identities/{id}/personal-access-tokens name',
    field: 'name',
    prepare: (t) => (value) =>
      t.request({
        method: 'POST',
        url: `/patina/v1/identities/${t.admin.identity.id}/personal-access-tokens`,
        token: t.admin.token,
        json: { name: value },
      }),
  },
  ...(['name', 'login'] as const).map((field): Case => ({
    name: `POST /patina/v1/identities ${field}`,
    field,
    prepare: (t) => (value) =>
      t.request({
        method: 'POST',
        url: '/patina/v1/identities',
        token: t.admin.token,
        json: { name: 'Eve', login: 'eve', [field]: value },
      }),
  })),
  {
    name: 'PATCH /patina/v1/identities/{id} name',
    field: 'name',
    prepare: async (t) => {
      const bob = await t.user({ name: 'Bob', login: 'bob' });
      return (value) => t.patchIdentity(bob.identity.id, { name: value });
    },
  },
  {
    name: 'POST /patina/v1/webhooks description',
    field: 'description',
    prepare: (t) => (value) =>
      t.request({
        method: 'POST',
        url: '/patina/v1/webhooks',
        token: t.admin.token,
        json: {
          url: 'http://127.0.0.1:9/hook',
          events: ['identity.disabled'],
          description: value,
        },
      }),
  },
  {
    name: 'PATCH /patina/v1/webhooks/{id} description',
    field: 'description',
    prepare: async (t) => {
      const created = await t.request({
        method: 'POST',
        url: '/patina/v1/webhooks',
        token: t.admin.token,
        json: { url: 'http://127.0.0.1:9/hook', events: ['identity.disabled'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json<{ id: string }>().id;
      return (value) =>
        t.request({
          method: 'PATCH',
          url: `/patina/v1/webhooks/${id}`,
          token: t.admin.token,
          headers: MERGE,
          json: { description: value },
        });
    },
  },
  ssf('description', 'description', 'POST', '/ssf/streams', (_id, value) => ({
    description: value,
  })),
  ssf('events_requested[0]', 'events_requested[0]', 'POST', '/ssf/streams', (_id, value) => ({
    events_requested: [value],
  })),
  ssf('description', 'description', 'PATCH', '/ssf/streams', (id, value) => ({
    stream_id: id,
    description: value,
  })),
  ssf('events_requested[1]', 'events_requested[1]', 'PUT', '/ssf/streams', (id, value) => ({
    stream_id: id,
    events_requested: [CAEP_REVOKED, value],
  })),
  ssf('reason', 'reason', 'POST', '/ssf/streams/status', (id, value) => ({
    stream_id: id,
    status: 'paused',
    reason: value,
  })),
];

describe('free text: one rule on every field and surface', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s refuses control and invisible characters, lone surrogates and secrets',
    async (_name, c) => {
      const t = await startTestApp({ config: LOCAL_WEBHOOKS });
      const send = await c.prepare(t);
      for (const [what, value, problem] of badValues(t.admin.secret)) {
        const before = await everything(t);
        const response = await send(value);
        try {
          expectSailPointError(response, 400, ILLEGAL, MESSAGES[problem](c.field));
        } catch (error) {
          throw new Error(`${what}: ${(error as Error).message}`);
        }
        expect(response.body, what).not.toContain(t.admin.secret);
        expect(response.body, what).not.toContain('\u001b');
        expect(await everything(t), what).toEqual(before);
      }
    },
  );
});

describe('free text that real names need', () => {
  /** Sent decomposed (e + combining acute): kept composed (NFC). */
  const SENT = 'Jose\u0301 👩🏽‍💻 🏳️‍🌈 🏴󠁧󠁢󠁳󠁣󠁴󠁿 می‌خواهم';
  const KEPT = 'José 👩🏽‍💻 🏳️‍🌈 🏴󠁧󠁢󠁳󠁣󠁴󠁿 می‌خواهم';

  it('keeps emoji sequences, joiners inside words and accents, in NFC, on every PAT surface', async () => {
    const t = await startTestApp();
    for (const base of [...PAT_SURFACES, PATINA_PATS]) {
      const created = await t.request({
        method: 'POST',
        url: base,
        token: t.admin.token,
        json: { name: `${SENT} ${base}`, expirationDate: EXPIRES },
      });
      expect(created.statusCode, created.body).toBe(200);
      const { id, name } = created.json<{ id: string; name: string }>();
      expect(name).toBe(`${KEPT} ${base}`);
      if (base === PATINA_PATS) continue;
      const renamed = await t.request({
        method: 'PATCH',
        url: `${base}/${id}`,
        token: t.admin.token,
        json: [{ op: 'replace', path: '/name', value: `${SENT} renamed ${base}` }],
      });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json<{ name: string }>().name).toBe(`${KEPT} renamed ${base}`);
    }
    const rows = await t.storage.db.selectFrom('personal_access_tokens').select('name').execute();
    expect(rows.filter((r) => r.name.startsWith(KEPT))).toHaveLength(PAT_SURFACES.length + 1);
    expect(rows.some((r) => r.name.includes('e\u0301'))).toBe(false);
  });

  it('keeps them in descriptions, by merge patch, and in webhook and stream descriptions', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const created = await t.request({
      method: 'POST',
      url: PATINA_PATS,
      token: t.admin.token,
      json: { name: 'deploy', description: ` ${SENT}\n` },
    });
    expect(created.statusCode, created.body).toBe(200);
    // Trimmed as names always were: a line break around the text is not part of it.
    expect(created.json<{ description: string }>().description).toBe(KEPT);
    const patched = await t.request({
      method: 'PATCH',
      url: `${PATINA_PATS}/${created.json<{ id: string }>().id}`,
      token: t.admin.token,
      headers: MERGE,
      json: { name: SENT, description: `${SENT}!` },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: KEPT, description: `${KEPT}!` });

    const hook = await t.request({
      method: 'POST',
      url: '/patina/v1/webhooks',
      token: t.admin.token,
      json: { url: 'http://127.0.0.1:9/hook', events: ['identity.disabled'], description: SENT },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    expect(hook.json<{ description: string }>().description).toBe(KEPT);

    const receiver = await t.user({ name: 'Receiver', login: 'receiver', rights: ['ssf.manage'] });
    const stream = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: receiver.token,
      json: { delivery: { method: POLL }, description: SENT },
    });
    expect(stream.statusCode, stream.body).toBe(201);
    expect(stream.json<{ description: string }>().description).toBe(KEPT);
    const [row] = await t.storage.db.selectFrom('ssf_streams').select('description').execute();
    expect(row?.description).toBe(KEPT);
  });
});
