import { SET_MEDIA_TYPE } from '@patina/contract';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Metrics } from '../metrics/metrics.js';
import { retryAfterMs, retryDelayMs } from '../notifications/retry-schedule.js';
import type { SealedBox } from '../core/sealed-box.js';
import { WEBHOOK_TIMEOUT_MS, type WebhookTransport } from '../notifications/webhook-sender.js';
import type { Storage } from '../storage/repositories.js';
import { SPAN_NAMES, type Tracing } from '../tracing/tracing.js';
import type { DuePush, StreamRecord } from '../storage/ssf-repository.js';
import { noteActivity } from './activity.js';
import { authorizationAad } from './stream-service.js';

/** SETs of one stream claimed at a time; they are sent one after another, in order. */
const STREAM_BATCH = 10;
/**
 * How long a claim is held: long enough for every SET of a batch to take a receiver's whole time
 * to answer, so no other node takes the stream while this one is on it; a node that dies
 * mid-batch leaves the stream to the others when the lease ends.
 */
const LEASE_MS = STREAM_BATCH * WEBHOOK_TIMEOUT_MS + 20_000;
/** Without a nudge, the worker still looks this often (retries, another node's SETs). */
const IDLE_MS = 1000;

/**
 * What one attempt came to, for the stream's lane: go on to the next SET, wait (this one is tried
 * again later, the rest after it), the stream was disabled, or the node is stopping.
 */
type Outcome = 'next' | 'wait' | 'disabled' | 'stopped';

/**
 * Push delivery (RFC 8935): each SET is POSTed as application/secevent+jwt to its stream's URL,
 * with the stream's Authorization header; 202 Accepted is a delivery (§2.2). A 400 is the
 * receiver refusing that SET (§2.3): sending it again cannot help, so it is given up. Anything
 * else (no answer, 5xx, 429) is tried again on the webhooks' schedule, honouring Retry-After.
 *
 * Streams are pushed to side by side, each by a lane of its own, at most `concurrency` at once
 * per node: a receiver that is slow or never answers holds its own lane only (up to the
 * transport's timeout per SET), never another stream's SETs. Within a stream SETs go one at a
 * time, in order, and a SET that failed holds back the ones after it until it is tried again, so
 * a failing receiver backs off as a whole, alone.
 *
 * URLs are held to the webhooks' SSRF rules on every attempt (the transport checks them). A URL
 * the guard refuses (its name now resolves to a private address, say) will not get better by
 * retrying: the SET is given up and the stream disabled, with the reason in its status, which the
 * receiver reads and an administrator sees; setting it enabled again resumes the pushes.
 */
export class PushWorker {
  /** The streams this node is pushing to, each by its lane. */
  readonly #lanes = new Map<string, Promise<void>>();
  #filling: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #abort = new AbortController();

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      transport: WebhookTransport;
      secrets: SealedBox;
      /** The most streams this node pushes to at once (`ssf.pushConcurrency`). */
      concurrency: number;
      logger?: Logger | undefined;
      metrics?: Pick<Metrics, 'delivery'>;
      tracing?: Pick<Tracing, 'enabled' | 'span' | 'annotate'>;
    },
  ) {}

  start(): void {
    this.#stopped = false;
    this.#abort = new AbortController();
    this.#timer = setInterval(() => this.nudge(), IDLE_MS);
    this.#timer.unref();
    this.nudge();
  }

  /** New SETs may be due: open lanes for the streams that have some. */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#filling) {
      this.#again = true;
      return;
    }
    this.#filling = this.#fill()
      .catch((error: unknown) => this.deps.logger?.warn({ err: error }, 'ssf push pass failed'))
      .finally(() => {
        this.#filling = undefined;
      });
  }

  /**
   * Stops taking work and ends the sends under way (their SETs are due again at once, for this
   * or another node), then waits for the lanes to settle.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#filling;
    await Promise.all(this.#lanes.values());
  }

  /** Opens a lane for each due stream not already pushed to, while lanes are free. */
  async #fill(): Promise<void> {
    do {
      this.#again = false;
      const free = this.deps.concurrency - this.#lanes.size;
      if (free <= 0 || this.#stopped) return;
      const due = await this.deps.storage.repos.ssf.duePushStreams(
        this.deps.clock.now().toISOString(),
        free,
        [...this.#lanes.keys()],
      );
      for (const streamId of due) this.#open(streamId);
    } while (this.#again);
  }

  #open(streamId: string): void {
    if (this.#stopped || this.#lanes.has(streamId)) return;
    const lane = this.#push(streamId)
      .catch((error: unknown) => {
        this.deps.logger?.warn({ err: error, streamId }, 'ssf push failed');
        return false;
      })
      .then((worked) => {
        this.#lanes.delete(streamId);
        // A free lane, and maybe more SETs of this stream: look again.
        if (worked) this.nudge();
      });
    this.#lanes.set(streamId, lane);
  }

  /** One lane's turn: claims the stream's next SETs and sends them in order. */
  async #push(streamId: string): Promise<boolean> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const claimed = await storage.transaction((repos) =>
      repos.ssf.claimPushes(streamId, {
        now: now.toISOString(),
        leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
        limit: STREAM_BATCH,
      }),
    );
    if (claimed.length === 0) return false;
    const stream = await storage.repos.ssf.findStream(streamId);
    for (const [i, push] of claimed.entries()) {
      const outcome = stream?.endpointUrl ? await this.#tracedSend(stream, push) : 'stopped';
      if (outcome === 'next') continue;
      if (outcome === 'stopped') await this.#release(claimed.slice(i));
      return true;
    }
    return true;
  }

  /** With tracing on, a push is a span of a trace of its own; the POST carries its `traceparent`. */
  #tracedSend(stream: StreamRecord, push: DuePush): Promise<Outcome> {
    const tracing = this.deps.tracing;
    if (!tracing?.enabled) return this.#send(stream, push);
    const attributes = {
      'patina.outbox': 'ssf_push',
      'patina.delivery.attempt': push.attempts + 1,
    };
    const attempt = async () => {
      const outcome = await this.#send(stream, push);
      tracing.annotate({ 'patina.delivery.outcome': outcome });
      return outcome;
    };
    return tracing.span(SPAN_NAMES.delivery, attributes, attempt, { root: true });
  }

  async #send(stream: StreamRecord, push: DuePush): Promise<Outcome> {
    const { storage, clock, transport, secrets } = this.deps;
    if (this.#stopped) return 'stopped';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (stream.authorizationHeaderEnc !== null) {
      headers.authorization = secrets.open(
        stream.authorizationHeaderEnc,
        authorizationAad(stream.id),
      );
    }
    const result = await transport.send({
      url: stream.endpointUrl!,
      headers,
      body: push.setJwt,
      contentType: SET_MEDIA_TYPE,
      signal: this.#abort.signal,
    });
    if (result.statusCode !== null) {
      this.deps.tracing?.annotate({ 'http.response.status_code': result.statusCode });
    }
    if (this.#abort.signal.aborted) return 'stopped';
    const now = clock.now();
    if (result.statusCode === 202) {
      this.deps.metrics?.delivery('ssf_push', 'delivered');
      await storage.repos.ssf.recordAttempt(push.seq, {
        deliveredAt: now.toISOString(),
        nextAttemptAt: null,
        error: null,
      });
      // A push receiver never calls in; taking a SET is how it is heard from.
      if (await noteActivity(storage, stream, now)) stream.lastActivityAt = now.toISOString();
      return 'next';
    }
    const error = result.error ?? `HTTP ${result.statusCode}`;
    if (result.refused) {
      this.deps.metrics?.delivery('ssf_push', 'failed');
      await this.#disable(stream, push, error);
      return 'disabled';
    }
    const delay =
      result.statusCode === 400
        ? null
        : (retryAfterMs(result.retryAfter, now) ?? retryDelayMs(push.attempts + 1));
    this.deps.metrics?.delivery('ssf_push', delay === null ? 'failed' : 'retried');
    this.deps.logger?.warn(
      { streamId: stream.id, jti: push.jti, statusCode: result.statusCode, error },
      delay === null ? 'ssf push given up' : 'ssf push failed; will retry',
    );
    await storage.repos.ssf.recordAttempt(push.seq, {
      deliveredAt: null,
      nextAttemptAt: delay === null ? null : new Date(now.getTime() + delay).toISOString(),
      error,
    });
    return delay === null ? 'next' : 'wait';
  }

  /**
   * The SSRF guard refused the stream's URL: the SET is given up and the stream disabled (SSF 1.0
   * §8.1.2: the transmitter sends and holds nothing more for it) with the reason.
   */
  async #disable(stream: StreamRecord, push: DuePush, error: string): Promise<void> {
    const reason = `Push stopped by the transmitter: ${error.replace("'url'", "'delivery.endpoint_url'")}`;
    this.deps.logger?.warn(
      { streamId: stream.id, jti: push.jti, error },
      'ssf push refused by the URL policy; stream disabled',
    );
    const now = this.deps.clock.now().toISOString();
    await this.deps.storage.transaction(async (repos) => {
      // The stream's row first, as a claim locks it, then the SET's.
      await repos.ssf.updateStream(stream.id, {
        status: 'disabled',
        statusReason: reason,
        modified: now,
      });
      await repos.ssf.recordAttempt(push.seq, { deliveredAt: null, nextAttemptAt: null, error });
    });
  }

  /** SETs claimed but not sent (the node is stopping): due again at once. */
  async #release(pushes: DuePush[]): Promise<void> {
    await this.deps.storage.repos.ssf.lease(
      pushes.map((p) => p.seq),
      this.deps.clock.now().toISOString(),
    );
  }
}
