import { SET_MEDIA_TYPE } from '@patina/contract';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { retryAfterMs, retryDelayMs } from '../notifications/retry-schedule.js';
import type { WebhookSecretBox } from '../notifications/signer.js';
import type { WebhookTransport } from '../notifications/webhook-sender.js';
import type { Storage } from '../storage/repositories.js';
import type { DuePush } from '../storage/ssf-repository.js';
import { authorizationAad } from './stream-service.js';

/** SETs claimed per pass; a claim is held this long, so a crashed node's claims are retried. */
const BATCH = 20;
const LEASE_MS = 60_000;
/** Without a nudge, the worker still looks this often (retries, another node's SETs). */
const IDLE_MS = 1000;

/**
 * Push delivery (RFC 8935): each SET is POSTed as application/secevent+jwt to its stream's URL,
 * with the stream's Authorization header; 202 Accepted is a delivery (§2.2). A 400 is the
 * receiver refusing that SET (§2.3): sending it again cannot help, so it is given up. Anything
 * else (no answer, 5xx, 429) is tried again on the webhooks' schedule, honouring Retry-After.
 * URLs are held to the webhooks' SSRF rules on every attempt (the transport checks them).
 */
export class PushWorker {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #again = false;

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      transport: WebhookTransport;
      secrets: WebhookSecretBox;
      logger?: Logger | undefined;
    },
  ) {}

  start(): void {
    this.#schedule(0);
  }

  /** New SETs may be due: run a pass soon. */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: claim due SETs, send each, record the outcome. Exposed for tests. */
  async runOnce(): Promise<number> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
    const claimed = await storage.transaction(async (repos) => {
      const due = await repos.ssf.duePushes(now.toISOString(), BATCH);
      await repos.ssf.lease(
        due.map((push) => push.seq),
        leaseUntil,
      );
      return due;
    });
    for (const push of claimed) await this.#send(push);
    return claimed.length;
  }

  async #send(push: DuePush): Promise<void> {
    const { storage, clock, transport, secrets } = this.deps;
    const stream = await storage.repos.ssf.findStream(push.streamId);
    if (!stream?.endpointUrl) return;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (stream.authorizationHeaderEnc !== null) {
      headers.authorization = secrets.open(
        stream.authorizationHeaderEnc,
        authorizationAad(stream.id),
      );
    }
    const result = await transport.send({
      url: stream.endpointUrl,
      headers,
      body: push.setJwt,
      contentType: SET_MEDIA_TYPE,
    });
    const now = clock.now();
    const attempts = push.attempts + 1;
    if (result.statusCode === 202) {
      await storage.repos.ssf.recordAttempt(push.seq, {
        deliveredAt: now.toISOString(),
        nextAttemptAt: null,
        error: null,
      });
      return;
    }
    const error = result.error ?? `HTTP ${result.statusCode}`;
    const delay =
      result.statusCode === 400
        ? null
        : (retryAfterMs(result.retryAfter, now) ?? retryDelayMs(attempts));
    this.deps.logger?.warn(
      { streamId: stream.id, jti: push.jti, statusCode: result.statusCode, error },
      delay === null ? 'ssf push given up' : 'ssf push failed; will retry',
    );
    await storage.repos.ssf.recordAttempt(push.seq, {
      deliveredAt: null,
      nextAttemptAt: delay === null ? null : new Date(now.getTime() + delay).toISOString(),
      error,
    });
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((error: unknown) => {
          this.deps.logger?.warn({ err: error }, 'ssf push pass failed');
          return 0;
        })
        .then((count) => {
          this.#running = undefined;
          const more = count === BATCH || this.#again;
          this.#again = false;
          this.#schedule(more ? 0 : IDLE_MS);
        });
    }, ms);
    this.#timer.unref();
  }
}
