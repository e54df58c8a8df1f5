import type {
  CreateWebhookResponse,
  DeliveryStatus,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
} from '@patina/contract';
import { isIdShaped } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { illegalValue, notFoundById, PatinaError, requiredMissing } from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import type { Storage } from '../storage/repositories.js';
import type { WebhookChanges, WebhookRecord } from '../storage/webhooks-repository.js';
import type { NotificationOutbox } from './outbox.js';
import type { SealedBox } from '../core/sealed-box.js';
import { newWebhookSecret } from './signer.js';
import {
  checkUrl,
  resolvePermitted,
  UrlRefused,
  type Resolve,
  type UrlPolicy,
} from './ssrf-guard.js';
import { randomHexId } from '../core/ids.js';
import { DAY_MS } from '../core/time.js';

export interface CreateWebhookInput {
  url: string;
  events: WebhookEventType[];
  description?: string | undefined;
  enabled?: boolean | undefined;
}

export interface WebhookPatch {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

/** After a rotation, requests carry both signatures this long, so receivers can switch over. */
export const SECRET_OVERLAP_MS = DAY_MS;

const MANAGING = 'Managing webhooks';
const READING = 'Reading webhooks';

/**
 * Webhook endpoints, an administrator's feature: read with the all-read right, changed with
 * all-manage (the same rights as every other identity's PATs, whose events they carry).
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      secrets: SealedBox;
      outbox: NotificationOutbox;
      policy: UrlPolicy;
      resolve: Resolve;
      /** `webhooks.maxWebhooks`: endpoints the deployment may have at once. */
      maxWebhooks: number;
    },
  ) {}

  async create(ctx: RequestContext, input: CreateWebhookInput): Promise<CreateWebhookResponse> {
    authorize(ctx, 'manageAll', MANAGING);
    const url = await this.#url(input.url);
    const events = this.#events(input.events);
    const now = this.deps.clock.now().toISOString();
    const id = randomHexId();
    const secret = newWebhookSecret();
    const record: WebhookRecord = {
      id,
      url,
      description: this.#description(input.description ?? ''),
      events,
      enabled: input.enabled ?? true,
      secretEnc: this.deps.secrets.seal(secret, id),
      previousSecretEnc: null,
      previousSecretExpiresAt: null,
      disabledReason: null,
      failingSince: null,
      createdBy: ctx.actor.kind === 'user' ? ctx.actor.identityId : null,
      created: now,
      modified: now,
    };
    await this.deps.storage.transaction(async (repos) => {
      // Each endpoint is sent a signed copy of every event it takes: how many there are is
      // bounded. The lock makes two creates count one after the other, on every node.
      await repos.webhooks.lockForCreate();
      const { maxWebhooks } = this.deps;
      if ((await repos.webhooks.count()) >= maxWebhooks) {
        throw new PatinaError(
          'LIMIT_VIOLATION',
          `Patina already holds the maximum of ${maxWebhooks} webhooks (webhooks.maxWebhooks)`,
        );
      }
      await repos.webhooks.insert(record);
      await this.deps.audit.record(repos, {
        type: 'WEBHOOK_CREATED',
        context: ctx.audit,
        target: { type: 'WEBHOOK', id, name: url },
        details: { url, events, enabled: record.enabled },
      });
    });
    return { ...this.#response(record), secret };
  }

  async list(ctx: RequestContext, page: { limit: number; offset: number; withTotal: boolean }) {
    authorize(ctx, 'readAll', READING);
    const repos = this.deps.storage.repos;
    const items = (await repos.webhooks.list(page)).map((w) => this.#response(w));
    return { items, total: page.withTotal ? await repos.webhooks.count() : undefined };
  }

  async get(ctx: RequestContext, id: string): Promise<Webhook> {
    authorize(ctx, 'readAll', READING);
    return this.#response(await this.#find(id));
  }

  async update(ctx: RequestContext, id: string, patch: WebhookPatch): Promise<Webhook> {
    authorize(ctx, 'manageAll', MANAGING);
    await this.#find(id);
    const changes: Omit<WebhookChanges, 'modified'> = {
      ...(patch.url !== undefined && { url: await this.#url(patch.url) }),
      ...(patch.events !== undefined && { events: this.#events(patch.events) }),
      ...(patch.description !== undefined && {
        description: this.#description(patch.description),
      }),
      ...(patch.enabled !== undefined && {
        enabled: patch.enabled,
        // Enabling starts afresh; disabling by hand is no failure of the receiver.
        disabledReason: null,
        failingSince: null,
      }),
    };
    await this.deps.storage.transaction(async (repos) => {
      const updated = await repos.webhooks.update(id, {
        ...changes,
        modified: this.deps.clock.now().toISOString(),
      });
      if (!updated) throw notFoundById('Webhook', id);
      await this.deps.audit.record(repos, {
        type: 'WEBHOOK_UPDATED',
        context: ctx.audit,
        target: { type: 'WEBHOOK', id, name: changes.url ?? null },
        details: {
          changed: Object.keys(patch).filter((k) => patch[k as keyof WebhookPatch] !== undefined),
          ...(changes.url !== undefined && { url: changes.url }),
          ...(changes.events !== undefined && { events: changes.events }),
          ...(changes.enabled !== undefined && { enabled: changes.enabled }),
        },
      });
    });
    return this.#response(await this.#find(id));
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    authorize(ctx, 'manageAll', MANAGING);
    const webhook = await this.#find(id);
    await this.deps.storage.transaction(async (repos) => {
      await repos.deliveries.deleteForWebhook(id);
      if (!(await repos.webhooks.delete(id))) throw notFoundById('Webhook', id);
      await this.deps.audit.record(repos, {
        type: 'WEBHOOK_DELETED',
        context: ctx.audit,
        target: { type: 'WEBHOOK', id, name: webhook.url },
      });
    });
  }

  /**
   * A new signing secret, shown once. The one it replaces keeps signing too (a second
   * `v1,` signature) for SECRET_OVERLAP_MS, so receivers can switch without dropping events; an
   * older one still in its overlap is dropped (at most two secrets sign).
   */
  async rotateSecret(ctx: RequestContext, id: string): Promise<CreateWebhookResponse> {
    authorize(ctx, 'manageAll', MANAGING);
    const webhook = await this.#find(id);
    const now = this.deps.clock.now();
    const secret = newWebhookSecret();
    const previousSecretExpiresAt = new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString();
    await this.deps.storage.transaction(async (repos) => {
      await repos.webhooks.update(id, {
        secretEnc: this.deps.secrets.seal(secret, id),
        previousSecretEnc: webhook.secretEnc,
        previousSecretExpiresAt,
        modified: now.toISOString(),
      });
      await this.deps.audit.record(repos, {
        type: 'WEBHOOK_SECRET_ROTATED',
        context: ctx.audit,
        target: { type: 'WEBHOOK', id, name: webhook.url },
        details: { previousSecretExpiresAt },
      });
    });
    return { ...this.#response(await this.#find(id)), secret };
  }

  /** Queues a `ping` to the endpoint, behind whatever it is still owed. */
  async test(ctx: RequestContext, id: string): Promise<{ deliveryId: string; eventId: string }> {
    authorize(ctx, 'manageAll', MANAGING);
    const webhook = await this.#find(id);
    if (!webhook.enabled) {
      throw illegalValue('enabled', `Webhook '${id}' is disabled: enable it before testing it`);
    }
    return this.deps.storage.transaction((repos) => this.deps.outbox.queuePing(repos, webhook));
  }

  async deliveries(
    ctx: RequestContext,
    id: string,
    query: {
      status?: DeliveryStatus | undefined;
      limit: number;
      offset: number;
      withTotal: boolean;
    },
  ): Promise<{ items: WebhookDelivery[]; total: number | undefined }> {
    authorize(ctx, 'readAll', READING);
    await this.#find(id);
    const repos = this.deps.storage.repos;
    const items = await repos.deliveries.listForWebhook(id, query);
    return {
      items,
      total: query.withTotal ? await repos.deliveries.countForWebhook(id, query.status) : undefined,
    };
  }

  async #find(id: string): Promise<WebhookRecord> {
    const webhook = isIdShaped(id)
      ? await this.deps.storage.repos.webhooks.findById(id)
      : undefined;
    if (!webhook) throw notFoundById('Webhook', id);
    return webhook;
  }

  async #url(raw: string): Promise<string> {
    const text = raw.trim();
    if (text === '') throw requiredMissing('url');
    try {
      const url = checkUrl(text, this.deps.policy);
      await resolvePermitted(url, this.deps.policy, this.deps.resolve);
      return url.href;
    } catch (error) {
      if (error instanceof UrlRefused) throw illegalValue('url', error.message);
      throw error;
    }
  }

  #events(events: WebhookEventType[]): WebhookEventType[] {
    if (events.length === 0) throw requiredMissing('events');
    return [...new Set(events)];
  }

  #description(raw: string): string {
    const description = cleanText('description', raw).trim();
    if (description.length > 1000) {
      throw illegalValue('description', "'description' must be at most 1000 characters");
    }
    return description;
  }

  #response(webhook: WebhookRecord): Webhook {
    const now = this.deps.clock.now().toISOString();
    const overlap =
      webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt > now
        ? webhook.previousSecretExpiresAt
        : null;
    return {
      id: webhook.id,
      url: webhook.url,
      description: webhook.description,
      events: webhook.events,
      enabled: webhook.enabled,
      disabledReason: webhook.disabledReason,
      failingSince: webhook.failingSince,
      previousSecretExpiresAt: overlap,
      created: webhook.created,
      modified: webhook.modified,
    };
  }
}
