import {
  PING_EVENT_TYPE,
  WEBHOOK_MAX_BODY_BYTES,
  type AuditEvent,
  type WebhookEventType,
} from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { NewDelivery } from '../storage/deliveries-repository.js';
import type { Repositories } from '../storage/repositories.js';
import type { WebhookRecord } from '../storage/webhooks-repository.js';
import { isNotifiable, notificationOf, type Notification } from './events.js';
import type { MailToIdentities } from './governance-events.js';
import {
  expiredMail,
  inactiveWarningMail,
  revokedMail,
  secretReusedMail,
  webhookDisabledMail,
  type MailContent,
  type MailContext,
} from './mail-templates.js';
import { randomHexId } from '../core/ids.js';

/**
 * The outbox: every notification is a row written in the transaction of the change it tells of,
 * so the two commit together or not at all; the delivery worker sends the rows afterwards, until
 * each is answered. Webhook rows go to every enabled endpoint subscribed to the event's type;
 * mail rows to the owner of the PAT (or, for governance events, to each approver, requester or
 * reviewer named), when mail is configured and the reader is active and has an address.
 */
export class NotificationOutbox {
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly deps: {
      clock: Clock;
      baseUrl: string;
      /** false: no SMTP server configured, so no mail is queued. */
      mailEnabled: boolean;
    },
  ) {}

  /** Called after rows may have been queued (the worker listens, to send soon). */
  onQueued(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The audit log's subscriber: runs inside the transaction that records `event`. */
  async record(repos: Repositories, event: AuditEvent): Promise<void> {
    if (!isNotifiable(event.type)) return;
    const notification = await notificationOf(repos, event);
    if (!notification) return;
    const deliveries = await this.#webhookDeliveries(repos, notification, event);
    for (const mail of await this.#mailsFor(repos, notification)) {
      deliveries.push(this.#mailDelivery(mail.to, notification.type, event.id, mail));
    }
    await repos.deliveries.insert(deliveries);
    if (deliveries.length > 0) this.#queued();
  }

  /** A mail of the caller's making (the expiry digest), queued in the caller's transaction. */
  async queueMail(
    repos: Repositories,
    mail: { to: string; eventType: WebhookEventType; eventId: string; content: MailContent },
  ): Promise<void> {
    if (!this.deps.mailEnabled) return;
    await repos.deliveries.insert([
      this.#mailDelivery(mail.to, mail.eventType, mail.eventId, mail.content),
    ]);
    this.#queued();
  }

  /** A `ping` to one endpoint (POST /webhooks/{id}/test). */
  async queuePing(
    repos: Repositories,
    webhook: WebhookRecord,
  ): Promise<{ deliveryId: string; eventId: string }> {
    const now = this.deps.clock.now().toISOString();
    const eventId = `msg_${randomHexId()}`;
    const deliveryId = randomHexId();
    await repos.deliveries.insert([
      {
        id: deliveryId,
        channel: 'webhook',
        webhookId: webhook.id,
        eventId,
        eventType: PING_EVENT_TYPE,
        payload: JSON.stringify({
          type: PING_EVENT_TYPE,
          timestamp: now,
          data: { webhook: { id: webhook.id, url: webhook.url }, message: 'ping from Patina' },
        }),
        created: now,
        notBefore: now,
      },
    ]);
    this.#queued();
    return { deliveryId, eventId };
  }

  get mailEnabled(): boolean {
    return this.deps.mailEnabled;
  }

  mailContext(recipientName: string): MailContext {
    return { baseUrl: this.deps.baseUrl, recipientName };
  }

  async #webhookDeliveries(
    repos: Repositories,
    notification: Notification,
    event: AuditEvent,
  ): Promise<NewDelivery[]> {
    const endpoints = await repos.webhooks.subscribers(notification.type);
    if (endpoints.length === 0) return [];
    const now = this.deps.clock.now().toISOString();
    const payload = fitted({
      type: notification.type,
      timestamp: event.time,
      data: notification.data,
    });
    return endpoints.map((endpoint) => ({
      id: randomHexId(),
      channel: 'webhook' as const,
      webhookId: endpoint.id,
      // The same webhook-id for every endpoint and retry: the audit event's id.
      eventId: `msg_${event.id}`,
      eventType: notification.type,
      payload,
      created: now,
      notBefore: now,
    }));
  }

  async #mailsFor(repos: Repositories, n: Notification): Promise<(MailContent & { to: string })[]> {
    if (!this.deps.mailEnabled) return [];
    if ('recipients' in n) return this.#mailsToIdentities(repos, n);
    const mail = await this.#mailFor(repos, n);
    return mail ? [mail] : [];
  }

  /**
   * One mail per recipient that can read it: identities that are gone, disabled or without an
   * address are skipped, and each is mailed once however often it is named.
   */
  async #mailsToIdentities(
    repos: Repositories,
    n: MailToIdentities,
  ): Promise<(MailContent & { to: string })[]> {
    const ids = [...new Set(n.recipients)];
    if (ids.length === 0) return [];
    const mails: (MailContent & { to: string })[] = [];
    for (const person of await repos.notificationSubjects.identities(ids)) {
      if (person.status !== 'ACTIVE' || person.email === null) continue;
      const content = await n.mail(this.mailContext(person.name), person);
      if (content) mails.push({ ...content, to: person.email });
    }
    return mails;
  }

  async #mailFor(
    repos: Repositories,
    n: Exclude<Notification, MailToIdentities>,
  ): Promise<(MailContent & { to: string }) | undefined> {
    if ('pat' in n) {
      const pat = n.pat;
      if (pat.ownerEmail === null) return undefined;
      const ctx = this.mailContext(pat.ownerName);
      const mailPat = { id: pat.id, name: pat.name, expirationDate: pat.expirationDate };
      let content: MailContent | undefined;
      switch (n.type) {
        case 'personal_access_token.expired':
          content = expiredMail(ctx, mailPat);
          break;
        case 'personal_access_token.revoked':
          content = revokedMail(ctx, mailPat, String(n.data.reason));
          break;
        case 'personal_access_token.secret_reused':
          content = secretReusedMail(ctx, mailPat, (n.data.sourceIp as string | null) ?? null);
          break;
        case 'personal_access_token.inactive_warning':
          content = inactiveWarningMail(ctx, mailPat, (n.data.revokeAt as string | null) ?? null);
          break;
        default:
          // created, updated, deleted, rotated: the owner did it or was told by the API;
          // expiring: the sweep mails one digest per owner instead.
          return undefined;
      }
      return { ...content, to: pat.ownerEmail };
    }
    if ('webhook' in n && n.webhook.createdBy !== null) {
      const creator = await repos.notificationSubjects.identity(n.webhook.createdBy);
      if (!creator?.email) return undefined;
      return {
        ...webhookDisabledMail(this.mailContext(creator.name), n.webhook, n.webhook.reason),
        to: creator.email,
      };
    }
    return undefined;
  }

  #mailDelivery(
    to: string,
    eventType: string,
    auditEventId: string,
    content: MailContent,
  ): NewDelivery {
    const now = this.deps.clock.now().toISOString();
    return {
      id: randomHexId(),
      channel: 'email',
      recipient: to,
      eventId: `msg_${auditEventId}`,
      eventType,
      payload: JSON.stringify({ subject: content.subject, text: content.text, html: content.html }),
      created: now,
      notBefore: now,
    };
  }

  #queued(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * The body as sent, under WEBHOOK_MAX_BODY_BYTES: only the scope list of a PAT (or of a
 * request for one) can grow without bound, so it is cut from the end until the body fits.
 */
export function fitted(body: { type: string; timestamp: string; data: Record<string, unknown> }) {
  let text = JSON.stringify(body);
  const pat = (body.data.personalAccessToken ?? body.data.request) as
    { scope?: string[] } | undefined;
  while (Buffer.byteLength(text) > WEBHOOK_MAX_BODY_BYTES && pat?.scope && pat.scope.length > 0) {
    pat.scope = pat.scope.slice(0, Math.floor(pat.scope.length / 2));
    text = JSON.stringify(body);
  }
  return text;
}
