import type { Logger } from 'pino';
import { SYSTEM_CONTEXT } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { DeliveryOutcome, Metrics } from '../metrics/metrics.js';
import type { DueDelivery } from '../storage/deliveries-repository.js';
import { supportsRowLocks } from '../storage/dialect.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { Mailer } from './mailer.js';
import {
  DISABLE_AFTER_FAILING_MS,
  MAX_ATTEMPTS,
  retryAfterMs,
  retryDelayMs,
} from './retry-schedule.js';
import type { SealedBox } from '../core/sealed-box.js';
import { SPAN_NAMES, type Tracing } from '../tracing/tracing.js';
import { signedHeaders } from './signer.js';
import type { WebhookTransport } from './webhook-sender.js';

/** What one attempt came to. */
interface Outcome {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  kind: 'delivered' | 'retry' | 'gone' | 'permanent' | 'dropped';
  retryAfter?: string | null;
}

const BATCH = 20;
/** A pass ends after this many rounds even if more became due, so a pass is bounded. */
const MAX_ROUNDS = 50;
export const POLL_INTERVAL_MS = 1000;

/**
 * Sends what the outbox holds, on every node. A pass claims due deliveries (on PostgreSQL locked
 * with SKIP LOCKED until the pass's transaction ends, so no two nodes send one delivery at the
 * same time, and a node killed mid-send leaves it due again at once), sends them (one per
 * endpoint at a time, in order), and records each attempt: 2xx delivers; 410 disables the
 * endpoint; anything else is tried again on the retry schedule (429 and 503 not before their
 * Retry-After), and an endpoint failing for five days is disabled and its owner told. At least
 * once: a crash between the receiver's 2xx and the commit sends it again, with the same
 * `webhook-id`.
 */
export class DeliveryWorker {
  #pass: Promise<{ attempted: number; delivered: number }> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      audit: AuditLog;
      secrets: SealedBox;
      transport: WebhookTransport;
      mailer: Mailer | undefined;
      logger?: Logger | undefined;
      random?: () => number;
      metrics?: Pick<Metrics, 'delivery' | 'webhookDisabled'>;
      tracing?: Pick<Tracing, 'enabled' | 'span' | 'annotate'>;
    },
  ) {}

  /** Polls every `intervalMs`, and soon after this node queues something. */
  start(intervalMs = POLL_INTERVAL_MS): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.#kick(), intervalMs);
    this.#timer.unref();
  }

  /** Stops polling and waits for the pass under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    await this.#pass?.catch(() => undefined);
  }

  /** Asks for a pass shortly (after the queuing transaction has had time to commit). */
  nudge(): void {
    if (this.#stopped || this.#soon) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#kick();
    }, 50);
    this.#soon.unref();
  }

  #kick(): void {
    this.runOnce().catch((err: unknown) =>
      this.deps.logger?.warn({ err }, 'notification delivery pass failed'),
    );
  }

  /**
   * Sends everything due now, round after round until nothing is due. Passes never overlap on
   * one node: a call during a pass waits for it, then runs a pass of its own.
   */
  async runOnce(): Promise<{ attempted: number; delivered: number }> {
    while (this.#pass) await this.#pass.catch(() => undefined);
    const pass = this.#run().finally(() => {
      this.#pass = undefined;
    });
    this.#pass = pass;
    return pass;
  }

  async #run(): Promise<{ attempted: number; delivered: number }> {
    const total = { attempted: 0, delivered: 0 };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { attempted, delivered } = await this.#round();
      total.attempted += attempted;
      total.delivered += delivered;
      if (attempted === 0) break;
    }
    return total;
  }

  /** One claim, its sends and their records. */
  async #round(): Promise<{ attempted: number; delivered: number }> {
    const { storage } = this.deps;
    if (supportsRowLocks(storage.db)) {
      // The claim's row locks last until this transaction ends: through the sends.
      return storage.transaction((repos) => this.#claimAndSend(repos, (work) => work(repos)));
    }
    return this.#claimAndSend(storage.repos, (work) => storage.transaction(work));
  }

  async #claimAndSend(
    repos: Repositories,
    settleIn: (work: (repos: Repositories) => Promise<void>) => Promise<void>,
  ): Promise<{ attempted: number; delivered: number }> {
    const due = await repos.deliveries.claimDue(this.deps.clock.now().toISOString(), BATCH);
    const outcomes = await Promise.all(due.map((delivery) => this.#tracedSend(repos, delivery)));
    let delivered = 0;
    for (const [i, delivery] of due.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.kind === 'delivered') delivered++;
      await settleIn((r) => this.#settle(r, delivery, outcome));
    }
    return { attempted: due.length, delivered };
  }

  /**
   * With tracing on, an attempt is a span of a trace of its own (it runs apart from the request
   * that queued it, maybe on another node); the webhook POST carries its `traceparent`.
   */
  #tracedSend(repos: Repositories, delivery: DueDelivery): Promise<Outcome> {
    const tracing = this.deps.tracing;
    if (!tracing?.enabled) return this.#send(repos, delivery);
    const webhook = delivery.channel === 'webhook';
    const attributes = {
      'patina.outbox': webhook ? 'webhook' : 'mail',
      'patina.delivery.attempt': delivery.attempts + 1,
    };
    const attempt = async () => {
      const outcome = await this.#send(repos, delivery);
      tracing.annotate({
        'patina.delivery.outcome': outcome.kind,
        ...(webhook &&
          outcome.statusCode !== null && {
            'http.response.status_code': outcome.statusCode,
          }),
      });
      return outcome;
    };
    return tracing.span(SPAN_NAMES.delivery, attributes, attempt, { root: true });
  }

  async #send(repos: Repositories, delivery: DueDelivery): Promise<Outcome> {
    const at = this.deps.clock.now();
    try {
      return delivery.channel === 'webhook'
        ? await this.#sendWebhook(repos, delivery, at)
        : await this.#sendMail(delivery, at);
    } catch (error) {
      this.deps.logger?.warn({ err: error, deliveryId: delivery.id }, 'delivery attempt failed');
      return { at, statusCode: null, error: 'internal error', durationMs: 0, kind: 'retry' };
    }
  }

  async #sendWebhook(repos: Repositories, delivery: DueDelivery, at: Date): Promise<Outcome> {
    const webhook = await repos.webhooks.findById(delivery.webhookId!);
    if (!webhook) {
      return { at, statusCode: null, error: 'webhook deleted', durationMs: 0, kind: 'dropped' };
    }
    const secrets = [this.deps.secrets.open(webhook.secretEnc, webhook.id)];
    if (
      webhook.previousSecretEnc !== null &&
      webhook.previousSecretExpiresAt !== null &&
      webhook.previousSecretExpiresAt > at.toISOString()
    ) {
      secrets.push(this.deps.secrets.open(webhook.previousSecretEnc, webhook.id));
    }
    const headers = signedHeaders(secrets, {
      id: delivery.eventId,
      timestampSeconds: Math.floor(at.getTime() / 1000),
      body: delivery.payload,
    });
    const result = await this.deps.transport.send({
      url: webhook.url,
      headers,
      body: delivery.payload,
    });
    const status = result.statusCode;
    let kind: Outcome['kind'] = 'retry';
    if (status !== null && status >= 200 && status < 300) kind = 'delivered';
    else if (status === 410) kind = 'gone';
    return {
      at,
      statusCode: status,
      error: result.error,
      durationMs: result.durationMs,
      kind,
      retryAfter: status === 429 || status === 503 ? result.retryAfter : null,
    };
  }

  async #sendMail(delivery: DueDelivery, at: Date): Promise<Outcome> {
    if (!this.deps.mailer) {
      return {
        at,
        statusCode: null,
        error: 'mail is not configured',
        durationMs: 0,
        kind: 'retry',
      };
    }
    const content = JSON.parse(delivery.payload) as { subject: string; text: string; html: string };
    const result = await this.deps.mailer.send({
      to: delivery.recipient!,
      ...content,
      messageId: `<${delivery.id}@patina>`,
    });
    return {
      at,
      statusCode: result.responseCode,
      error: result.error,
      durationMs: result.durationMs,
      kind: result.ok ? 'delivered' : result.permanent ? 'permanent' : 'retry',
    };
  }

  async #settle(repos: Repositories, delivery: DueDelivery, outcome: Outcome): Promise<void> {
    const attempts = delivery.attempts + 1;
    const at = outcome.at.toISOString();
    if (outcome.kind === 'dropped') return;
    await repos.deliveries.recordAttempt(delivery.id, {
      attempt: attempts,
      at,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
    });
    const settle = (status: 'DELIVERED' | 'FAILED' | 'PENDING', nextAttemptAt: string | null) =>
      repos.deliveries.settle(delivery.id, { attempts, status, nextAttemptAt, at });
    const webhookId = delivery.webhookId;
    const counted = (result: DeliveryOutcome) =>
      this.deps.metrics?.delivery(delivery.channel === 'email' ? 'mail' : 'webhook', result);
    switch (outcome.kind) {
      case 'delivered':
        counted('delivered');
        await settle('DELIVERED', null);
        if (webhookId) await repos.webhooks.clearFailing(webhookId);
        return;
      case 'gone':
        counted('failed');
        await settle('FAILED', null);
        if (webhookId) await this.#disable(repos, webhookId, 'GONE', null);
        return;
      case 'permanent':
        counted('failed');
        await settle('FAILED', null);
        return;
      case 'retry': {
        const now = this.deps.clock.now();
        let delay = attempts < MAX_ATTEMPTS ? retryDelayMs(attempts, this.deps.random) : null;
        const asked = retryAfterMs(outcome.retryAfter ?? null, now);
        if (delay !== null && asked !== null) delay = Math.max(delay, asked);
        counted(delay === null ? 'failed' : 'retried');
        await (delay === null
          ? settle('FAILED', null)
          : settle('PENDING', new Date(now.getTime() + delay).toISOString()));
        if (webhookId) await this.#failed(repos, webhookId, at);
        return;
      }
    }
  }

  /** A failed attempt: the endpoint's run of failures starts now or goes on; five days disable. */
  async #failed(repos: Repositories, webhookId: string, at: string): Promise<void> {
    await repos.webhooks.markFailing(webhookId, at);
    const webhook = await repos.webhooks.findById(webhookId);
    if (!webhook?.failingSince) return;
    const failingMs = Date.parse(at) - Date.parse(webhook.failingSince);
    if (failingMs >= DISABLE_AFTER_FAILING_MS) {
      await this.#disable(repos, webhookId, 'FAILING', webhook.failingSince);
    }
  }

  async #disable(
    repos: Repositories,
    webhookId: string,
    reason: 'GONE' | 'FAILING',
    failingSince: string | null,
  ): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    if (!(await repos.webhooks.disable(webhookId, reason, now))) return;
    this.deps.metrics?.webhookDisabled();
    const webhook = await repos.webhooks.findById(webhookId);
    this.deps.logger?.warn({ webhookId, reason }, 'webhook disabled');
    await this.deps.audit.record(repos, {
      type: 'WEBHOOK_DISABLED',
      context: SYSTEM_CONTEXT.audit,
      target: { type: 'WEBHOOK', id: webhookId, name: webhook?.url ?? null },
      details: { reason, failingSince },
    });
  }
}
