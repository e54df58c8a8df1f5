import type { FastifyRequest } from 'fastify';
import type { AuditContext, RequestContext } from '../access/context.js';
import type { Principal } from '../access/principal.js';
import { clientAddress } from './client-address.js';
import { PatinaError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by bearer authentication on API routes; null elsewhere. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The API base a route belongs to (`v3`, `beta`, …, `admin`): the rate-limit bucket. */
    surface?: string;
  }
}

export function auditContext(request: FastifyRequest): AuditContext {
  const principal = request.principal;
  const userAgent = request.headers['user-agent'];
  return {
    actorId: principal?.identityId ?? null,
    actorName: principal?.login ?? null,
    sourceIp: clientAddress(request),
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    trackingId: request.id,
  };
}

/** The caller of an API route, for its service; the bearer hook has authenticated it. */
export function requestContext(request: FastifyRequest): RequestContext {
  if (!request.principal) throw new PatinaError('UNAUTHORIZED', 'Authentication is required');
  return { actor: request.principal, audit: auditContext(request) };
}
