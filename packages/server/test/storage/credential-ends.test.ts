import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { DAY_MS, HOUR_MS, type TestApp, type TestAppOptions, type TestUser } from '../helpers.js';
import { eventually } from '../poll.js';
import { expectServedFromCache, listOwn, startNodes } from './nodes.js';

/**
 * Every way a PAT or an identity ends, against caches that hold it (issue 21, "Test gaps"): the
 * bearer check of this node and, on PostgreSQL, of a second node has the PAT cached when the PAT
 * ends, and refuses its access token within a second. A write that ends a credential tells every
 * cache through one mechanism (updateLivePat and the identity update, through the change feed);
 * the paths that end by time (expiry, a rotation's grace) are decided from the cached record.
 */

/** How long a node may keep accepting what was ended (docs/rules.md, "Several nodes"). */
const DEADLINE_MS = 1000;
const SECOND_MS = 1000;

const PAT_GONE = {
  error: 'JWT validation failed: the personal access token behind this JWT is no longer valid',
};
const OWNER_DISABLED = { error: 'JWT validation failed: the identity behind this JWT is disabled' };
const ROTATED = {
  error: 'JWT validation failed: the secret this JWT was issued for has been rotated',
};

/** The credential whose access token must die: a PAT of `user`, its secret and a token of it. */
interface Subject {
  user: TestUser;
  patId: string;
  secret: string;
  token: string;
}

interface Path {
  name: string;
  config?: TestAppOptions['config'];
  /** Before the caches are primed: the credential, and anything the path needs done first. */
  prepare?: (node: TestApp, user: TestUser) => Promise<Subject>;
  /** Ends the credential through node A. */
  end: (node: TestApp, subject: Subject) => Promise<void>;
  refusal: { error: string };
}

async function ok(response: Promise<{ statusCode: number; body: string }>, status: number) {
  const answered = await response;
  expect(answered.statusCode, answered.body).toBe(status);
}

function rotate(node: TestApp, patId: string, gracePeriodSeconds: number) {
  return node.request({
    method: 'POST',
    url: `/patina/v1/personal-access-tokens/${patId}/rotate`,
    token: node.admin.token,
    json: { gracePeriodSeconds },
  });
}

const PATHS: Path[] = [
  {
    name: 'delete',
    end: (a, s) => ok(a.deletePat(s.patId), 204),
    refusal: PAT_GONE,
  },
  {
    name: 'leak report',
    end: (a, s) =>
      ok(
        a.app.inject({
          method: 'POST',
          url: '/patina/v1/credentials/revoke',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ credentials: [s.secret] }),
        }),
        202,
      ),
    refusal: PAT_GONE,
  },
  {
    name: 'offboarding',
    end: (a, s) =>
      ok(
        a.request({
          method: 'POST',
          url: `/patina/v1/identities/${s.user.identity.id}/offboard`,
          token: a.admin.token,
          // Its PATs' revocations alone: disabling the identity is a path of its own below.
          json: { disable: false },
        }),
        200,
      ),
    refusal: PAT_GONE,
  },
  {
    name: 'inactivity',
    config: { policy: { inactivity: { revokeAfterDays: 30, warnDaysBefore: 0 } } },
    end: async (a, s) => {
      // Unused for 31 days as far as the sweep can tell (what it reads is not what the bearer
      // check caches, so this write needs no notification).
      const longAgo = new Date(a.clock.now().getTime() - 31 * DAY_MS).toISOString();
      await sql`update personal_access_tokens set created = ${longAgo}, last_used = ${longAgo}
        where id = ${s.patId}`.execute(a.storage.db);
      expect((await a.services.inactivitySweeper.runOnce()).revoked).toBe(1);
    },
    refusal: PAT_GONE,
  },
  {
    name: 'expiry',
    prepare: async (a, user) => {
      const { id, secret } = await a.mintPat(user.identity.id, {
        name: 'short',
        expirationDate: new Date(a.clock.now().getTime() + HOUR_MS).toISOString(),
      });
      return { user, patId: id, secret, token: await a.accessToken(id, secret) };
    },
    end: async (a) => {
      a.clock.advance(HOUR_MS);
      expect(await a.services.expirySweeper.runOnce()).toBe(1);
    },
    refusal: PAT_GONE,
  },
  {
    name: 'reuse of a rotated secret (policy revoke)',
    config: { policy: { onRotatedSecretReuse: 'revoke' } },
    prepare: async (a, user) => {
      a.clock.advance(SECOND_MS);
      const rotated = await rotate(a, user.patId, 0);
      expect(rotated.statusCode, rotated.body).toBe(200);
      const secret = rotated.json<{ secret: string }>().secret;
      // The token that must die is the new secret's: only the revocation can end it.
      return { user, patId: user.patId, secret, token: await a.accessToken(user.patId, secret) };
    },
    end: (a, s) => ok(a.exchange(s.patId, s.user.secret), 401),
    refusal: PAT_GONE,
  },
  {
    name: 'the end of a rotation’s grace',
    prepare: async (a, user) => {
      a.clock.advance(SECOND_MS);
      await ok(rotate(a, user.patId, 60), 200);
      return { user, patId: user.patId, secret: user.secret, token: user.token };
    },
    end: (a) => {
      a.clock.advance(60 * SECOND_MS);
      return Promise.resolve();
    },
    refusal: ROTATED,
  },
  {
    name: 'identity disabled',
    end: (a, s) => ok(a.patchIdentity(s.user.identity.id, { status: 'DISABLED' }), 200),
    refusal: OWNER_DISABLED,
  },
];

/** One node on SQLite (it serves one), two on PostgreSQL. */
const NODES = DIALECT === 'postgres' ? 2 : 1;

describe(`a cached PAT ended any way is refused within a second on each of ${NODES} node(s)`, () => {
  it.each(PATHS.map((path) => [path.name, path] as const))('%s', async (_name, path) => {
    const { nodes } = await startNodes({ count: NODES, config: path.config });
    const a = nodes[0]!;
    const bob = await a.user({ name: 'Bob', login: 'bob' });
    const subject = path.prepare
      ? await path.prepare(a, bob)
      : { user: bob, patId: bob.patId, secret: bob.secret, token: bob.token };
    for (const node of nodes) {
      expect((await listOwn(node, subject.token)).statusCode).toBe(200);
      await expectServedFromCache(node, { ...bob, token: subject.token });
    }

    await path.end(a, subject);

    for (const [index, node] of nodes.entries()) {
      const refused = await eventually(
        `${path.name}: node ${index} still accepts the access token`,
        DEADLINE_MS,
        () => listOwn(node, subject.token),
        (response) => response.statusCode !== 200,
      );
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toStrictEqual(path.refusal);
    }
  });
});
