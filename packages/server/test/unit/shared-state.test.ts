import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { PrimaryMessage, WorkerMessage } from '../../src/cluster/messages.js';
import { SharedStateClient } from '../../src/cluster/shared-state-client.js';
import { SharedStateHost } from '../../src/cluster/shared-state-host.js';
import { systemClock } from '../../src/core/clock.js';
import { Lockout } from '../../src/oauth/lockout.js';
import { SharedLockout } from '../../src/oauth/shared-lockout.js';
import { MemoryReplayStore, SharedReplayStore } from '../../src/tokens/dpop.js';

/**
 * Workers talking to one primary's counts (cluster/shared-state-*.ts), the IPC channel replaced by
 * a direct hand-over of the same messages, so that N workers can be checked to count as one.
 */
function node(workers: number, now = () => 1_000_000) {
  const host = new SharedStateHost(now);
  const sent: WorkerMessage[] = [];
  const clients = Array.from({ length: workers }, () => {
    const channel = {
      connected: true,
      send(message: WorkerMessage) {
        sent.push(message);
        if (message.patina === 'shared') {
          void host.run(message.operations).then((results) => {
            const answer: PrimaryMessage = { patina: 'answers', id: message.id, results };
            client.receive(answer);
          });
        }
        return true;
      },
    };
    // The channel answers only after the client exists: its first message comes from the client.
    const client: SharedStateClient = new SharedStateClient(channel);
    return { client, channel };
  });
  return { host, clients, sent };
}

const POLICY = { maxFailures: 4, windowSeconds: 600, durationSeconds: 600 };

describe('the counts a node’s workers share', () => {
  it('count a rate-limit window once for every worker, and start a new window when it ends', async () => {
    let nowMs = 1_000_000;
    const { clients } = node(3, () => nowMs);
    const hits = await Promise.all(
      Array.from({ length: 9 }, (_, i) => clients[i % 3]!.client.hit('rate', 'client-a', 60_000)),
    );
    expect(hits.map((hit) => hit.current).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(hits.every((hit) => hit.ttl === 60_000)).toBe(true);
    // Another bucket counts apart; the same bucket starts over once its window is past.
    expect((await clients[0]!.client.hit('rate', 'client-b', 60_000)).current).toBe(1);
    nowMs += 60_000;
    expect(await clients[1]!.client.hit('rate', 'client-a', 60_000)).toEqual({
      current: 1,
      ttl: 60_000,
    });
  });

  it('send the operations of one turn of the event loop as one message', async () => {
    const { clients, sent } = node(1);
    await Promise.all([
      clients[0]!.client.hit('rate', 'a', 1000),
      clients[0]!.client.hit('rate', 'b', 1000),
      clients[0]!.client.firstUse('dpop', 'jti-1', Date.now() + 60_000),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ patina: 'shared', operations: [{}, {}, {}] });
  });

  it('lock a client after maxFailures failures in total, spread over the workers', async () => {
    const { clients } = node(2);
    const stores = clients.map(
      ({ client }) =>
        new SharedLockout(client, POLICY, 'lockout:client-ip:', new Lockout(POLICY, systemClock)),
    );
    const locked: boolean[] = [];
    for (let i = 0; i < 4; i++) locked.push(await stores[i % 2]!.recordFailure('key'));
    expect(locked).toEqual([false, false, false, true]);
    expect(await stores[0]!.retryAfterSeconds('key')).toBe(600);
    expect(await stores[1]!.retryAfterSeconds('key')).toBe(600);
    await stores[1]!.recordSuccess('key');
    expect(await stores[0]!.retryAfterSeconds('key')).toBe(0);
  });

  it('refuse a DPoP proof replayed to another worker', async () => {
    const { clients } = node(2);
    const [first, second] = clients.map(
      ({ client }) => new SharedReplayStore(client, new MemoryReplayStore(systemClock)),
    );
    const expiresAtMs = Date.now() + 60_000;
    expect(await first!.firstUse('jti-1', expiresAtMs)).toBe(true);
    expect(await second!.firstUse('jti-1', expiresAtMs)).toBe(false);
    expect(await second!.firstUse('jti-2', expiresAtMs)).toBe(true);
  });

  it('fall back to the worker’s own memory when the primary is gone', async () => {
    const { clients } = node(1);
    const { client, channel } = clients[0]!;
    channel.connected = false;
    await expect(client.hit('rate', 'a', 1000)).rejects.toThrow('the primary process is gone');
    const store = new SharedLockout(
      client,
      POLICY,
      'lockout:ip:',
      new Lockout(POLICY, systemClock),
    );
    const locked: boolean[] = [];
    for (let i = 0; i < 4; i++) locked.push(await store.recordFailure('key'));
    expect(locked).toEqual([false, false, false, true]);
    expect(await store.retryAfterSeconds('key')).toBe(600);
    const replay = new SharedReplayStore(client, new MemoryReplayStore(systemClock));
    expect(await replay.firstUse('jti', Date.now() + 1000)).toBe(true);
    expect(await replay.firstUse('jti', Date.now() + 1000)).toBe(false);
  });

  it('fail what the primary leaves unanswered for 2 s, and the worker counts alone', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const silent = new SharedStateClient({ connected: true, send: () => true });
    const store = new SharedLockout(
      silent,
      POLICY,
      'lockout:ip:',
      new Lockout(POLICY, systemClock),
    );
    const asked = store.retryAfterSeconds('key');
    const hit = silent.hit('rate', 'a', 1000);
    const refused = expect(hit).rejects.toThrow('the primary process did not answer');
    await vi.advanceTimersByTimeAsync(3000);
    await refused;
    expect(await asked).toBe(0);
  });
});
