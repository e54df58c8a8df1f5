import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DIALECT } from '../dialect.js';
import { LOCAL_WEBHOOKS, Receiver } from '../notifications/receivers.js';
import {
  ADMIN,
  CLUSTER_CONFIG,
  PATS,
  pidOfPeer,
  waitForCount,
  WorkerNode,
  WORKERS_TIMEOUT_MS,
  workerSlots,
} from './harness.js';
import { setTimeout as sleep } from 'node:timers/promises';

const EVENTS = 8;

describe.skipIf(DIALECT === 'postgres')('what a node does once, with 4 workers (SQLite)', () => {
  it(
    'bootstraps once, and delivers each webhook once, whichever worker queued it',
    async () => {
      const receiver = await Receiver.start();
      const node = await WorkerNode.start({
        workers: 4,
        config: { ...CLUSTER_CONFIG, ...LOCAL_WEBHOOKS },
      });

      // One bootstrap: one credentials file, one 'written' line (the primary's), one admin PAT.
      const files = readdirSync(node.dataDir).filter((f) => f.startsWith('bootstrap-credentials'));
      expect(files).toEqual(['bootstrap-credentials.json']);
      const bootstrapLines = node.process.logLines.filter((line) =>
        /administrator credentials/.test(line.msg ?? ''),
      );
      expect(bootstrapLines.map((l) => [l.msg, l.worker])).toEqual([
        ['first start: administrator credentials written', undefined],
      ]);
      const credentials = node.credentials();
      const admin = await node.accessToken(credentials);
      for (const type of ['PERSONAL_ACCESS_TOKEN_CREATED', 'IDENTITY_CREATED']) {
        const audit = await node.send('GET', `${ADMIN}/audit-events?type=${type}`, {
          token: admin,
        });
        expect(audit.status).toBe(200);
        const events = audit.body as { target: { id: string } }[];
        expect(events, type).toHaveLength(1);
        if (type === 'PERSONAL_ACCESS_TOKEN_CREATED') {
          expect(events[0]!.target.id).toBe(credentials.clientId);
        }
      }

      const created = await node.send('POST', `${ADMIN}/webhooks`, {
        token: admin,
        json: { url: receiver.url, events: ['identity.created'] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      receiver.secrets.push((created.body as { secret: string }).secret);

      // Identities made through every worker: each queues its webhook where it runs.
      const names = Array.from({ length: EVENTS }, (_, i) => `Person ${i}`);
      for (const name of names) {
        const identity = await node.send('POST', `${ADMIN}/identities`, {
          token: admin,
          json: { name },
        });
        expect(identity.status).toBe(201);
      }
      const creators = node
        .requestLines()
        .filter((line) => line.path === `${ADMIN}/identities` && line.statusCode === 201);
      expect([...new Set(creators.map((l) => l.worker))].sort()).toEqual(workerSlots(4));

      const delivered = await waitForCount(
        'webhooks delivered',
        () => receiver.received.length,
        EVENTS,
        10_000,
      );
      console.log(
        `all ${EVENTS} webhooks arrived ${delivered.elapsedMs.toFixed(0)} ms after the last identity`,
      );
      // Twice the outbox's 1 s poll: a second worker sending would have sent by now.
      await sleep(2500);
      expect(receiver.received).toHaveLength(EVENTS);
      for (const received of receiver.received) expect(received.verifyError).toBeUndefined();
      const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
      expect(new Set(ids).size).toBe(EVENTS);
      const delivered_names = receiver.events.map(
        (event) => (event.data.identity as { name: string }).name,
      );
      expect(delivered_names.sort()).toEqual([...names].sort());

      // Shared Signals push: SETs queued by every worker are pushed once, by worker 0.
      // Only worker 0 pushes: the others queue SETs and nudge it (claims alone would keep
      // SETs from doubling, but then every worker would push).
      const pushed: { jti: string; pid: number | undefined }[] = [];
      const workerPids = node.startPids;
      const target = createServer((req, res) => {
        const pid = pidOfPeer(req.socket.remotePort!, req.socket.localPort!, workerPids);
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const payload = JSON.parse(
            Buffer.from(body.split('.')[1] ?? '', 'base64url').toString('utf8'),
          ) as { jti: string };
          pushed.push({ jti: payload.jti, pid });
          res.writeHead(202).end();
        });
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      onTestFinished(() => {
        target.closeAllConnections();
        target.close();
      });
      const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/events`;
      const ssfIdentity = await node.send('POST', `${ADMIN}/identities`, {
        token: admin,
        json: { name: 'Orders API', rights: ['ssf.manage'] },
      });
      expect(ssfIdentity.status).toBe(201);
      const receiverPat = await node.send(
        'POST',
        `${ADMIN}/identities/${(ssfIdentity.body as { id: string }).id}/personal-access-tokens`,
        { token: admin, json: { name: 'receiver' } },
      );
      expect(receiverPat.status).toBe(200);
      const { id: receiverId, secret } = receiverPat.body as { id: string; secret: string };
      const ssfToken = await node.accessToken({ clientId: receiverId, clientSecret: secret });
      const stream = await node.send('POST', '/ssf/streams', {
        token: ssfToken,
        json: { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: targetUrl } },
      });
      expect(stream.status, JSON.stringify(stream.body)).toBe(201);
      // Four PATs deleted through the four workers: four credential-change SETs.
      const doomed: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const made = await node.send('POST', '/v3/personal-access-tokens', {
          token: admin,
          json: { name: `doomed-${i}` },
        });
        expect(made.status).toBe(200);
        doomed.push((made.body as { id: string }).id);
      }
      for (const id of doomed) {
        expect((await node.send('DELETE', `${PATS}/${id}`, { token: admin })).status).toBe(204);
      }
      const deleters = await Promise.all(doomed.map((id) => node.workerOf(`${PATS}/${id}`)));
      expect([...new Set(deleters)].sort()).toEqual(workerSlots(4));
      // The creations' SETs and the deletions': at least the four deletions.
      await waitForCount('SETs pushed', () => pushed.length, 8, 10_000);
      await sleep(2500);
      expect(new Set(pushed.map((p) => p.jti)).size, 'a SET pushed twice').toBe(pushed.length);
      const senders = pushed.map((p) => workerPids.indexOf(p.pid ?? -1));
      expect(senders, 'the worker slot that pushed each SET').toEqual(pushed.map(() => 0));
    },
    WORKERS_TIMEOUT_MS,
  );
});
