import type { SsfStream, SsfDeliveryMethod, StreamStatusValue } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { notFoundById } from '../core/errors.js';
import type { Storage } from '../storage/repositories.js';
import type { AdminStreamRecord } from '../storage/ssf-repository.js';

/**
 * Every client's Shared Signals streams, for administrators (`/patina/v1/ssf-streams`): read
 * with the all-read right, deleted with all-manage, as webhooks are, since a stream carries
 * events about every identity's PATs. A receiver manages its own streams through SSF itself.
 */
export class StreamAdministration {
  constructor(private readonly deps: { storage: Storage; clock: Clock; audit: AuditLog }) {}

  async list(
    ctx: RequestContext,
    page: { limit: number; offset: number; withTotal: boolean },
  ): Promise<{ items: SsfStream[]; total: number | undefined }> {
    authorize(ctx, 'readAll', 'Listing Shared Signals streams');
    const { items, total } = await this.deps.storage.repos.ssf.listForAdmin({
      ...page,
      now: this.deps.clock.now().toISOString(),
    });
    return { items: items.map(toResponse), total };
  }

  /** Deletes the stream with its queued SETs and removed subjects; audited. */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    authorize(ctx, 'manageAll', 'Deleting a Shared Signals stream');
    await this.deps.storage.transaction(async (repos) => {
      const stream = await repos.ssf.findStream(id);
      if (!stream) throw notFoundById('Stream', id);
      await repos.ssf.deleteStream(id);
      await this.deps.audit.record(repos, {
        type: 'SSF_STREAM_DELETED',
        context: ctx.audit,
        target: { type: 'SSF_STREAM', id, name: stream.description },
        details: { streamId: id, clientId: stream.clientId, reason: 'ADMIN' },
      });
    });
  }
}

function toResponse(stream: AdminStreamRecord): SsfStream {
  return {
    id: stream.id,
    clientId: stream.clientId,
    ownerId: stream.ownerId,
    active: stream.ownerLive,
    deliveryMethod: stream.deliveryMethod as SsfDeliveryMethod,
    endpointUrl: stream.endpointUrl,
    eventsRequested: stream.eventsRequested,
    description: stream.description,
    status: stream.status as StreamStatusValue,
    statusReason: stream.statusReason,
    created: stream.created,
    modified: stream.modified,
  };
}
