import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { decodeJwt } from '../helpers.js';
import { pollUntil } from '../poll.js';
import { ADMIN, PATS, type Reply, WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

/**
 * A change made through one worker is refused by every worker within a second (docs/operations.md,
 * "Workers"): each worker has first cached the access token (it served a bearer request with it),
 * then the change goes through one request, then probes on fresh connections (one per worker a
 * round) run until a whole round refuses; after that, rounds on every worker keep refusing.
 */
async function expectRefusedEverywhere(
  node: WorkerNode,
  token: string,
  change: () => Promise<Reply>,
  expectedStatus: number,
  what: string,
) {
  const warm = await node.probeEveryWorker(token);
  expect(
    warm.map((a) => a.status),
    `${what}: accepted everywhere before`,
  ).toEqual(warm.map(() => 404));

  const changed = await change();
  expect(changed.status, `${what}: ${JSON.stringify(changed.body)}`).toBe(expectedStatus);
  const rounds: number[][] = [];
  const { met, elapsedMs } = await pollUntil(async () => {
    const round: number[] = [];
    for (let i = 0; i < node.workers; i += 1) round.push((await node.probeStatus(token)).status);
    rounds.push(round);
    return round.every((status) => status === 401);
  }, 1000);
  console.log(`${what}: every worker refused ${elapsedMs.toFixed(0)} ms after the change`);
  expect(met, `${what}: still accepted 1 s after the change (${JSON.stringify(rounds)})`).toBe(
    true,
  );
  // Only 404 (not heard yet) or 401 (heard) on the way: never an error.
  expect(rounds.flat().filter((s) => s !== 404 && s !== 401)).toEqual([]);

  // Afterwards no worker accepts it: three rounds, and the log shows every worker among them.
  const after = [];
  for (let i = 0; i < node.workers * 3; i += 1) after.push(await node.probe(token));
  expect(
    after.map((a) => a.status),
    `${what}: refused afterwards`,
  ).toEqual(after.map(() => 401));
  expect([...new Set(after.map((a) => a.worker))].sort()).toEqual(workerSlots(node.workers));
}

/** An identity with a PAT the administrator made, and an access token of that PAT. */
async function member(node: WorkerNode, adminToken: string, name: string) {
  const identity = await node.send('POST', `${ADMIN}/identities`, {
    token: adminToken,
    json: { name },
  });
  expect(identity.status, JSON.stringify(identity.body)).toBe(201);
  const identityId = (identity.body as { id: string }).id;
  const created = await node.send(
    'POST',
    `${ADMIN}/identities/${identityId}/personal-access-tokens`,
    {
      token: adminToken,
      json: { name: `${name}'s` },
    },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const pat = created.body as { id: string; secret: string };
  const token = await node.accessToken({ clientId: pat.id, clientSecret: pat.secret });
  return { identityId, pat, token };
}

describe('revocations across workers', () => {
  it(
    `a deleted PAT's access token is refused by every worker within 1 s (${DIALECT})`,
    async () => {
      const node = await WorkerNode.start({ workers: 2 });
      const admin = await node.accessToken(node.credentials());
      const kim = await member(node, admin, 'Kim');
      await expectRefusedEverywhere(
        node,
        kim.token,
        () => node.send('DELETE', `${PATS}/${kim.pat.id}`, { token: admin }),
        204,
        `${DIALECT}: PAT deleted`,
      );
    },
    WORKERS_TIMEOUT_MS,
  );

  it.skipIf(DIALECT === 'postgres')(
    'a revoked access token, a disabled owner and a rotated PAT are refused by every worker within 1 s (SQLite)',
    async () => {
      const node = await WorkerNode.start({ workers: 2 });
      const admin = await node.accessToken(node.credentials());

      const ana = await member(node, admin, 'Ana');
      await expectRefusedEverywhere(
        node,
        ana.token,
        () =>
          node.send('POST', '/oauth/revoke', {
            form: { token: ana.token, client_id: ana.pat.id, client_secret: ana.pat.secret },
          }),
        200,
        'access token revoked',
      );

      const bo = await member(node, admin, 'Bo');
      await expectRefusedEverywhere(
        node,
        bo.token,
        () =>
          node.send('PATCH', `${ADMIN}/identities/${bo.identityId}`, {
            token: admin,
            json: { status: 'DISABLED' },
            contentType: 'application/merge-patch+json',
          }),
        200,
        'owner disabled',
      );

      const cy = await member(node, admin, 'Cy');
      await expectRefusedEverywhere(
        node,
        cy.token,
        async () => {
          // A rotation retires the tokens issued in a second before its own (pats/model.ts
          // retiredByRotation): the token's second must be over first.
          const iat = (decodeJwt(cy.token).payload as { iat: number }).iat;
          await sleep(Math.max(0, (iat + 1) * 1000 - Date.now() + 50));
          return node.send('POST', `${PATS}/${cy.pat.id}/rotate`, {
            token: admin,
            json: { gracePeriodSeconds: 0 },
          });
        },
        200,
        'PAT rotated without grace',
      );
    },
    WORKERS_TIMEOUT_MS,
  );

  it.skipIf(DIALECT === 'postgres')(
    '`patina-server keys rotate` run beside the node: every worker serves the new key within 1 s (SQLite)',
    async () => {
      const node = await WorkerNode.start({ workers: 2 });
      const kids = async () => {
        const answer = await node.send('GET', '/.well-known/jwks.json');
        expect(answer.status).toBe(200);
        return (answer.body as { keys: { kid: string }[] }).keys.map((key) => key.kid);
      };
      // Every worker has read (and cached) the key set before the rotation.
      const before: string[][] = [];
      for (let i = 0; i < node.workers * 2; i += 1) before.push(await kids());
      const jwksLines = () =>
        node.requestLines().filter((line) => line.path === '/.well-known/jwks.json');
      const rotated = await node.sandbox.run(['keys', 'rotate'], { PATINA_DATA_DIR: node.dataDir });
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;
      expect(before.flat()).not.toContain(newKid);

      const seenBefore = jwksLines().length;
      const { met, elapsedMs } = await pollUntil(async () => {
        const round: string[][] = [];
        for (let i = 0; i < node.workers; i += 1) round.push(await kids());
        return round.every((set) => set.includes(newKid));
      }, 1000);
      console.log(`keys rotate: every worker served the new key after ${elapsedMs.toFixed(0)} ms`);
      expect(met, 'a worker still serves the old key set 1 s after `keys rotate`').toBe(true);
      const after: string[][] = [];
      for (let i = 0; i < node.workers * 2; i += 1) after.push(await kids());
      expect(after.every((set) => set.includes(newKid))).toBe(true);
      // Every worker answered during the poll and after it.
      await node.process.waitForLog(
        () => jwksLines().length >= seenBefore + node.workers * 3,
        10_000,
      );
      const workers = new Set(
        jwksLines()
          .slice(seenBefore)
          .map((line) => line.worker),
      );
      expect([...workers].sort()).toEqual(workerSlots(node.workers));
    },
    WORKERS_TIMEOUT_MS,
  );
});
