import {
  ADMIN_BASE,
  type CreateWebhookRequest,
  type CreateWebhookResponse,
  type DeliveryStatus,
  type Webhook,
  type WebhookDelivery,
  type WebhookMergePatch,
  type WebhookTestResponse,
} from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';
import { Collection } from './collection.js';

export interface ListDeliveriesOptions extends PageOptions {
  /** Only deliveries in this state. */
  status?: DeliveryStatus;
}

/**
 * Webhook endpoints (Standard Webhooks) and their deliveries (administration API: all-read to
 * read, all-manage to change). A signing secret is answered by create and rotateSecret only.
 */
export class Webhooks extends Collection<Webhook> {
  constructor(api: Api) {
    super(api, { path: `${ADMIN_BASE}/webhooks` });
  }

  get(id: string, options: RequestOptions = {}): Promise<Webhook> {
    return this.getOne(id, options);
  }

  create(body: CreateWebhookRequest, options: RequestOptions = {}): Promise<CreateWebhookResponse> {
    return this.createOne(body, options);
  }

  /** An RFC 7396 merge patch of url, events, description or enabled. */
  update(id: string, patch: WebhookMergePatch, options: RequestOptions = {}): Promise<Webhook> {
    return this.patchOne(id, patch, options);
  }

  /** Deletes the endpoint and the deliveries it is still owed. */
  delete(id: string, options: RequestOptions = {}): Promise<void> {
    return this.deleteOne(id, options);
  }

  /** A new signing secret; for a day requests carry signatures by both. */
  rotateSecret(id: string, options: RequestOptions = {}): Promise<CreateWebhookResponse> {
    return this.postTo(id, 'rotate-secret', {}, options);
  }

  /** Queues a `ping` event to this endpoint alone. */
  test(id: string, options: RequestOptions = {}): Promise<WebhookTestResponse> {
    return this.postTo(id, 'test', {}, options);
  }

  /** One page of the endpoint's deliveries, newest first. */
  deliveries(id: string, options: ListDeliveriesOptions = {}): Promise<WebhookDelivery[]> {
    const { status, limit, offset } = options;
    return this.getFrom(id, 'deliveries', { status, limit, offset }, options);
  }

  iterateDeliveries(
    id: string,
    options: ListDeliveriesOptions = {},
  ): AsyncGenerator<WebhookDelivery, void, undefined> {
    return allPages(options, (query) => this.deliveries(id, query));
  }
}
