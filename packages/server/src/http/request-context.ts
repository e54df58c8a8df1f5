import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/model.js';
import type { Principal, RequestContext } from '../access/principal.js';

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
    sourceIp: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    trackingId: request.id,
  };
}

export function requestContext(request: FastifyRequest): RequestContext {
  return { principal: request.principal, audit: auditContext(request) };
}
