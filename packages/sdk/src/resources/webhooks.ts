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
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';

const PATH = `${ADMIN_BASE}/webhooks`;

export interface ListDeliveriesOptions extends PageOptions {
  /** Only deliveries in this state. */
  status?: DeliveryStatus;
}

/**
 * Webhook endpoints (Standard Webhooks) and their deliveries (administration API: all-read to
 * read, all-manage to change). A signing secret is answered by create and rotateSecret only.
 */
export class Webhooks {
  constructor(private readonly api: Api) {}

  list(options: PageOptions = {}): Promise<Webhook[]> {
    const { signal, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: PATH,
      route: PATH,
      query: { limit, offset },
      signal,
    });
  }

  iterate(options: PageOptions = {}): AsyncGenerator<Webhook, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  get(id: string, options: RequestOptions = {}): Promise<Webhook> {
    return this.api.call({
      method: 'GET',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
  }

  create(body: CreateWebhookRequest, options: RequestOptions = {}): Promise<CreateWebhookResponse> {
    return this.api.call({
      method: 'POST',
      path: PATH,
      route: PATH,
      json: body,
      signal: options.signal,
    });
  }

  /** An RFC 7396 merge patch of url, events, description or enabled. */
  update(id: string, patch: WebhookMergePatch, options: RequestOptions = {}): Promise<Webhook> {
    return this.api.call({
      method: 'PATCH',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      json: patch,
      contentType: 'application/merge-patch+json',
      signal: options.signal,
    });
  }

  /** Deletes the endpoint and the deliveries it is still owed. */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.api.call<undefined>({
      method: 'DELETE',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
  }

  /** A new signing secret; for a day requests carry signatures by both. */
  rotateSecret(id: string, options: RequestOptions = {}): Promise<CreateWebhookResponse> {
    return this.api.call({
      method: 'POST',
      path: `${PATH}/${segment(id)}/rotate-secret`,
      route: `${PATH}/{id}/rotate-secret`,
      json: {},
      signal: options.signal,
    });
  }

  /** Queues a `ping` event to this endpoint alone. */
  test(id: string, options: RequestOptions = {}): Promise<WebhookTestResponse> {
    return this.api.call({
      method: 'POST',
      path: `${PATH}/${segment(id)}/test`,
      route: `${PATH}/{id}/test`,
      json: {},
      signal: options.signal,
    });
  }

  /** One page of the endpoint's deliveries, newest first. */
  deliveries(id: string, options: ListDeliveriesOptions = {}): Promise<WebhookDelivery[]> {
    const { signal, status, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: `${PATH}/${segment(id)}/deliveries`,
      route: `${PATH}/{id}/deliveries`,
      query: { status, limit, offset },
      signal,
    });
  }

  iterateDeliveries(
    id: string,
    options: ListDeliveriesOptions = {},
  ): AsyncGenerator<WebhookDelivery, void, undefined> {
    return allPages(options, (query) => this.deliveries(id, query));
  }
}
