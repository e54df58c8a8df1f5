import { RIGHTS, SCIM_BASE, type ScimConfigResponse, type ScimEvent } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BearerAuthenticator } from '../auth/bearer.js';
import { randomHexId } from '../core/ids.js';
import type { SecretDigester } from '../tokens/secret.js';
import { ScimAuthenticator } from './auth.js';
import { ScimGroups } from './groups.js';
import { ScimUsers, type ScimDeps } from './users.js';

/** What one /scim/v2 request did, as the console's setup page lists it. Never a token or body. */
export interface ScimEventInput {
  method: string;
  path: string;
  status: number;
  resourceType: 'User' | 'Group' | null;
  resourceId: string | null;
  externalId: string | null;
  name: string | null;
  clientId: string | null;
  message: string | null;
}

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/** The SCIM 2.0 service provider (RFC 7643, RFC 7644): the directory's Users and Groups. */
export class ScimService {
  readonly users: ScimUsers;
  readonly groups: ScimGroups;
  readonly auth: ScimAuthenticator;

  constructor(
    private readonly deps: ScimDeps & {
      digester: SecretDigester;
      bearer: BearerAuthenticator;
      audit: AuditLog;
    },
  ) {
    this.users = new ScimUsers(deps);
    this.groups = new ScimGroups(deps);
    this.auth = new ScimAuthenticator(deps);
  }

  /** Records one request's outcome; the newest SCIM_EVENTS_KEPT stay. */
  async recordEvent(event: ScimEventInput): Promise<void> {
    await this.deps.storage.repos.scim.recordEvent({
      id: randomHexId(),
      at: this.deps.clock.now().toISOString(),
      method: event.method.slice(0, 16),
      path: event.path.slice(0, 512),
      status: event.status,
      resource_type: event.resourceType,
      resource_id: clip(event.resourceId, 64),
      external_id: clip(event.externalId, 256),
      name: clip(event.name, 256),
      client_id: clip(event.clientId, 32),
      message: clip(event.message, 512),
    });
  }

  /** GET /patina/v1/scim/events: the newest first (all-read). */
  async events(ctx: RequestContext, limit: number): Promise<ScimEvent[]> {
    authorize(ctx, 'readAll', 'Reading provisioning events');
    const rows = await this.deps.storage.repos.scim.events(limit);
    return rows.map((row) => ({
      id: row.id,
      time: row.at,
      method: row.method,
      path: row.path,
      status: row.status,
      resourceType:
        row.resource_type === 'User' || row.resource_type === 'Group' ? row.resource_type : null,
      resourceId: row.resource_id,
      externalId: row.external_id,
      name: row.name,
      clientId: row.client_id,
      message: row.message,
    }));
  }

  /** GET /patina/v1/scim/config: what the directory is configured with (all-read). */
  config(ctx: RequestContext): ScimConfigResponse {
    authorize(ctx, 'readAll', 'Reading the SCIM setup');
    return { baseUrl: `${this.deps.baseUrl}${SCIM_BASE}`, right: RIGHTS.scimProvision };
  }
}
