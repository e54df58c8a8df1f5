import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DIALECT } from '../dialect.js';
import { startNodes } from '../storage/nodes.js';
import { LOCAL_WEBHOOKS, Receiver, subscribe } from './receivers.js';

describe.runIf(DIALECT === 'postgres')('two nodes on one PostgreSQL database', () => {
  it('deliver each event exactly once, however their workers race', async () => {
    const { nodes, clock } = await startNodes({ count: 2, config: LOCAL_WEBHOOKS });
    const [a, b] = [nodes[0]!, nodes[1]!];
    const receivers = [
      await Receiver.start(clock),
      await Receiver.start(clock),
      await Receiver.start(clock),
    ];
    for (const receiver of receivers) await subscribe(a, receiver, ['identity.created']);
    const EVENTS = 30;
    for (let i = 0; i < EVENTS; i++) {
      const node = i % 2 === 0 ? a : b;
      await node.services.identities.create(SYSTEM_CONTEXT, {
        name: `User ${i}`,
        login: `user${i}`,
      });
    }
    await Promise.all([
      a.services.notifications.worker.runOnce(),
      b.services.notifications.worker.runOnce(),
      a.services.notifications.worker.runOnce(),
      b.services.notifications.worker.runOnce(),
    ]);
    for (const receiver of receivers) {
      const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(ids).size).toBe(EVENTS);
      // In order per endpoint, whichever node sent each.
      expect(
        receiver.events.map((e) => (e.data as { identity: { login: string } }).identity.login),
      ).toEqual(Array.from({ length: EVENTS }, (_, i) => `user${i}`));
    }
  });

  it('raise each expiry warning once when both sweep at the same moment', async () => {
    const { nodes } = await startNodes({ count: 2, config: LOCAL_WEBHOOKS });
    const [a, b] = [nodes[0]!, nodes[1]!];
    for (let i = 0; i < 8; i++) {
      await a.services.pats.createFor(SYSTEM_CONTEXT, a.admin.identity.id, {
        name: `soon ${i}`,
        expirationDate: '2026-01-20T10:00:00.000Z',
      });
    }
    const [x, y] = await Promise.all([
      a.services.notifications.expiryWarnings.runOnce(),
      b.services.notifications.expiryWarnings.runOnce(),
    ]);
    expect(x + y).toBe(8);
    expect(await a.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRING')).toHaveLength(8);
  });
});
