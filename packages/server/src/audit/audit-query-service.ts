import { AUDIT_EVENT_TYPES, type AuditEventType } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import { illegalValue } from '../core/errors.js';
import type { Storage } from '../storage/repositories.js';
import { type AuditQuery } from './model.js';

export interface AuditQueryInput {
  type?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
  withTotal: boolean;
}

/** Reading the audit trail: administrators with the all-read right. */
export class AuditQueryService {
  constructor(private readonly storage: Storage) {}

  async list(ctx: RequestContext, input: AuditQueryInput) {
    authorize(ctx, 'readAll', 'Reading audit events');
    if (
      input.type !== undefined &&
      !(AUDIT_EVENT_TYPES as readonly string[]).includes(input.type)
    ) {
      throw illegalValue(
        'type',
        `Unknown audit event type '${input.type}'; known: ${AUDIT_EVENT_TYPES.join(', ')}`,
      );
    }
    const query: AuditQuery = {
      ...(input.type !== undefined && { type: input.type as AuditEventType }),
      ...(input.actorId !== undefined && { actorId: input.actorId }),
      ...(input.targetId !== undefined && { targetId: input.targetId }),
      ...(input.from !== undefined && { from: new Date(input.from).toISOString() }),
      ...(input.to !== undefined && { to: new Date(input.to).toISOString() }),
      limit: input.limit,
      offset: input.offset,
      withTotal: input.withTotal,
    };
    return this.storage.repos.audit.list(query);
  }
}
