import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Storage } from '../storage/repositories.js';
import type { Tracing } from '../tracing/tracing.js';
import { ExpiryCalendar } from './calendar.js';
import { DeliveryWorker } from './delivery-worker.js';
import { ExpiryWarnings } from './expiry-warnings.js';
import { SmtpMailer, type Mailer } from './mailer.js';
import { NotificationOutbox } from './outbox.js';
import { webhookSecretBox } from './signer.js';
import { systemResolve, type Resolve } from './ssrf-guard.js';
import { HttpWebhookTransport, type WebhookTransport } from './webhook-sender.js';
import { WebhookService } from './webhook-service.js';

/** Everything notifications are made of, composed once per node. */
export interface Notifications {
  outbox: NotificationOutbox;
  worker: DeliveryWorker;
  webhooks: WebhookService;
  expiryWarnings: ExpiryWarnings;
  calendar: ExpiryCalendar;
  mailer: Mailer | undefined;
  /** Stops the worker (waiting for its pass) and closes the mail connection. */
  close(): Promise<void>;
}

export function createNotifications(options: {
  config: Config;
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
  masterKey: Buffer;
  baseUrl: string;
  logger?: Logger | undefined;
  /** Tests: a resolver and a transport of their own. */
  resolve?: Resolve;
  transport?: WebhookTransport;
  metrics?: Metrics;
  /** A span per delivery; webhook POSTs carry its `traceparent`. */
  tracing?: Tracing;
}): Notifications {
  const { config, storage, audit, clock } = options;
  const policy = config.webhooks;
  const resolve = options.resolve ?? systemResolve;
  const smtp = config.email.smtp;
  const mailer =
    smtp.url !== null && smtp.from !== null
      ? new SmtpMailer({ url: smtp.url, from: smtp.from })
      : undefined;
  const secrets = webhookSecretBox(options.masterKey);
  const traced = options.tracing ? { tracing: options.tracing } : {};
  const outbox = new NotificationOutbox({
    clock,
    baseUrl: options.baseUrl,
    mailEnabled: mailer !== undefined,
  });
  audit.subscribe((repos, event) => outbox.record(repos, event));
  const worker = new DeliveryWorker({
    storage,
    clock,
    audit,
    secrets,
    transport: options.transport ?? new HttpWebhookTransport({ policy, resolve, ...traced }),
    mailer,
    logger: options.logger,
    ...(options.metrics && { metrics: options.metrics }),
    ...traced,
  });
  outbox.onQueued(() => worker.nudge());
  return {
    outbox,
    worker,
    mailer,
    webhooks: new WebhookService({
      storage,
      audit,
      clock,
      secrets,
      outbox,
      policy,
      resolve,
      maxWebhooks: config.webhooks.maxWebhooks,
    }),
    expiryWarnings: new ExpiryWarnings({
      storage,
      audit,
      clock,
      outbox,
      thresholdsDays: config.notifications.expiryWarningDays,
    }),
    calendar: new ExpiryCalendar({ storage, clock, baseUrl: options.baseUrl }),
    close: async () => {
      await worker.stop();
      mailer?.close();
    },
  };
}
