import { AUDIT_EVENT_TYPES, type AuditEventType } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import { parseDateTime } from '../core/date-time.js';
import { illegalValue } from '../core/errors.js';
import { echo } from '../core/redact.js';
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
        `Unknown audit event type '${echo(input.type)}'; known: ${AUDIT_EVENT_TYPES.join(', ')}`,
      );
    }
    const query: AuditQuery = {
      ...(input.type !== undefined && { type: input.type as AuditEventType }),
      ...(input.actorId !== undefined && { actorId: input.actorId }),
      ...(input.targetId !== undefined && { targetId: input.targetId }),
      ...(input.from !== undefined && { from: instant('from', input.from) }),
      ...(input.to !== undefined && { to: instant('to', input.to) }),
      limit: input.limit,
      offset: input.offset,
      withTotal: input.withTotal,
    };
    return this.storage.repos.audit.list(query);
  }
}

/**
 * A bound of the time window, normalised as stored. The route's `date-time` format admits what
 * RFC 3339 §5.6 does, a leap second (`23:59:60`) among it, which no Date can hold: such a bound is
 * refused as the format's own errors are, naming the parameter.
 */
function instant(parameter: 'from' | 'to', text: string): string {
  const parsed = parseDateTime(text);
  if (!parsed.ok) {
    throw illegalValue(
      parameter,
      `Query parameter '${parameter}' must be a real date-time (RFC 3339, seconds 00 to 59, e.g. 2026-07-11T18:45:37.098Z)`,
    );
  }
  return parsed.iso;
}
