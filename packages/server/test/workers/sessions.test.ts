import { describe, expect, it } from 'vitest';
import { CONSOLE_CSRF_HEADER } from '@patina/contract';
import { DIALECT } from '../dialect.js';
import { poll } from '../poll.js';
import { ADMIN, PATS, WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

const POLL = 'urn:ietf:rfc:8936';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

/** The payload of a JWT (a SET here), unverified: the signature is the SSF tests' concern. */
function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe.skipIf(DIALECT === 'postgres')(
  'state kept in the database, across workers (SQLite)',
  () => {
    it(
      'a console session made on one worker works on every worker; a SET queued by one is polled from another',
      async () => {
        const node = await WorkerNode.start({ workers: 2 });
        const credentials = node.credentials();

        // Sign in once, on whichever worker takes the connection.
        const signIn = await node.send('POST', '/ui/auth/pat', {
          headers: { origin: node.url },
          json: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
        });
        expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
        const signedInBy = await node.workerOf('/ui/auth/pat');
        const setCookie = signIn.headers['set-cookie'] ?? [];
        const cookie = setCookie
          .map((c) => c.split(';')[0])
          .find((c) => c!.startsWith('patina_console='));
        expect(cookie).toBeDefined();
        const csrf = (signIn.body as { csrfToken: string }).csrfToken;
        expect(typeof csrf).toBe('string');

        // Reads and writes with the session on fresh connections: every worker takes it.
        for (let i = 0; i < 4; i += 1) {
          const session = await node.send('GET', '/ui/auth/session', {
            headers: { cookie: cookie! },
          });
          expect(session.status).toBe(200);
          expect(session.body).toMatchObject({ signedIn: true });
        }
        for (let i = 0; i < 4; i += 1) {
          const created = await node.send('POST', '/ui/api/v3/personal-access-tokens', {
            headers: { cookie: cookie!, origin: node.url, [CONSOLE_CSRF_HEADER]: csrf },
            json: { name: `console-${i}` },
          });
          expect(created.status, JSON.stringify(created.body)).toBe(200);
        }
        for (const path of ['/ui/auth/session', '/ui/api/v3/personal-access-tokens']) {
          const answered = () => node.requestLines().filter((l) => l.path === path);
          await node.process.waitForLog(() => answered().length >= 4, 10_000);
          const workers = node
            .requestLines()
            .filter((l) => l.path === path && l.statusCode === 200)
            .map((l) => l.worker);
          expect(workers, path).toHaveLength(4);
          expect([...new Set(workers)].sort(), path).toEqual(workerSlots(2));
        }
        expect(workerSlots(2)).toContain(signedInBy);

        // Shared Signals: a receiver's stream, an event caused on one worker, polled on the other.
        const admin = await node.accessToken(credentials);
        const identity = await node.send('POST', `${ADMIN}/identities`, {
          token: admin,
          json: { name: 'Orders API', rights: ['ssf.manage'] },
        });
        expect(identity.status, JSON.stringify(identity.body)).toBe(201);
        const identityId = (identity.body as { id: string }).id;
        const receiverPat = await node.send(
          'POST',
          `${ADMIN}/identities/${identityId}/personal-access-tokens`,
          { token: admin, json: { name: 'receiver' } },
        );
        expect(receiverPat.status).toBe(200);
        const { id: receiverId, secret } = receiverPat.body as { id: string; secret: string };
        const receiver = await node.accessToken({ clientId: receiverId, clientSecret: secret });
        const stream = await node.send('POST', '/ssf/streams', {
          token: receiver,
          json: { delivery: { method: POLL } },
        });
        expect(stream.status, JSON.stringify(stream.body)).toBe(201);
        const streamId = (stream.body as { stream_id: string }).stream_id;

        const doomed = await node.send('POST', '/v3/personal-access-tokens', {
          token: admin,
          json: { name: 'doomed' },
        });
        expect(doomed.status).toBe(200);
        const doomedId = (doomed.body as { id: string }).id;
        const deleted = await node.send('DELETE', `${PATS}/${doomedId}`, { token: admin });
        expect(deleted.status).toBe(204);
        const deletedBy = await node.workerOf(`${PATS}/${doomedId}`);

        // A kept-alive connection to the other worker polls.
        let other = await node.connection();
        if (other.worker === deletedBy) {
          other.close();
          other = await node.connection();
        }
        expect(other.worker).not.toBe(deletedBy);
        const polled = await poll(
          async () =>
            other.send('POST', `/ssf/poll/${streamId}`, {
              token: receiver,
              json: { returnImmediately: true },
            }),
          (answer) =>
            answer.status === 200 &&
            Object.values((answer.body as { sets: Record<string, string> }).sets).some((jwt) => {
              const payload = payloadOf(jwt);
              const events = payload.events as Record<string, { change_type?: unknown }>;
              return (
                (payload.sub_id as { id?: unknown }).id === doomedId &&
                events[CREDENTIAL_CHANGE]?.change_type === 'delete'
              );
            }),
          { deadlineMs: 10_000, everyMs: 100 },
        );
        const got = Object.values(
          (polled.last.body as { sets?: Record<string, string> }).sets ?? {},
        );
        expect(
          polled.met,
          `poll on worker ${other.worker}: ${polled.last.status}, ${got.map((jwt) => JSON.stringify(payloadOf(jwt).events)).join(' ')}`,
        ).toBe(true);
        await node.process.waitForLog((l) => l.path === `/ssf/poll/${streamId}`, 10_000);
        const pollWorkers = node
          .requestLines()
          .filter((l) => l.path === `/ssf/poll/${streamId}`)
          .map((l) => l.worker);
        expect(new Set(pollWorkers)).toEqual(new Set([other.worker]));
      },
      WORKERS_TIMEOUT_MS,
    );
  },
);
