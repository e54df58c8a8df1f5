import type { Storage } from '../storage/repositories.js';
import type { StreamRecord } from '../storage/ssf-repository.js';

/**
 * How often a stream's `last_activity_at` is written at most: the inactivity timeout is counted
 * in hours, so knowing the last word to the minute is enough, and a receiver polling several
 * times a second costs one write a minute, not one per poll.
 */
export const ACTIVITY_WRITE_EVERY_MS = 60_000;

/**
 * Records that the stream's receiver was heard from at `now` (SSF 1.0 §8.1.1
 * `inactivity_timeout`), unless the stream as read already says so within the last minute; the
 * write itself is conditional too, so two nodes hearing the receiver at once write once.
 * Answers whether this call wrote it.
 */
export async function noteActivity(
  storage: Storage,
  stream: Pick<StreamRecord, 'id' | 'lastActivityAt'>,
  now: Date,
): Promise<boolean> {
  const last = stream.lastActivityAt === null ? 0 : Date.parse(stream.lastActivityAt);
  if (now.getTime() - last < ACTIVITY_WRITE_EVERY_MS) return false;
  return storage.repos.ssf.touchActivity({
    id: stream.id,
    now: now.toISOString(),
    notBefore: new Date(now.getTime() - ACTIVITY_WRITE_EVERY_MS).toISOString(),
  });
}
