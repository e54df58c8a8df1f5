import type { FastifyInstance } from 'fastify';
import type { AuditQueryService } from '../../audit/audit-query-service.js';
import type { IdentityService } from '../../identities/identity-service.js';
import type { OverviewService } from '../../pats/overview-service.js';
import type { PatService } from '../../pats/pat-service.js';
import { registerAuditRoutes } from './audit-events.js';
import { registerIdentityRoutes } from './identities.js';
import { registerIdentityPatRoutes } from './identity-pats.js';
import { registerOverviewRoute } from './overview.js';

/** Patina's own administration API: identities, PATs for others, the audit trail, the overview. */
export function registerAdminRoutes(
  parent: FastifyInstance,
  deps: {
    identities: IdentityService;
    pats: PatService;
    audit: AuditQueryService;
    overview: OverviewService;
  },
): void {
  registerIdentityRoutes(parent, deps);
  registerIdentityPatRoutes(parent, deps);
  registerAuditRoutes(parent, deps);
  registerOverviewRoute(parent, deps);
}
