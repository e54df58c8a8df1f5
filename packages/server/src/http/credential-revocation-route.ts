import rateLimit from '@fastify/rate-limit';
import {
  BODY_ERROR_RESPONSES,
  RevokeCredentialsRequest,
  RevokeCredentialsResponse,
  ADMIN_BASE,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Policy } from '../config/schema.js';
import type { LeakRevocation } from '../pats/leak-revocation.js';
import { clientAddressKey } from './client-address.js';
import { rateLimitOptions, type SharedLimits } from './rate-limit.js';
import { auditContext } from './request-context.js';

export const CREDENTIAL_REVOCATION_PATH = `${ADMIN_BASE}/credentials/revoke`;

/** 1,000 secrets of 64 characters and their JSON punctuation, with room to spare. */
const BODY_LIMIT_BYTES = 262_144;

/**
 * `POST /patina/v1/credentials/revoke`, unauthenticated (docs/leaked-secrets.md): a well-formed
 * body is always answered 202 `{}`, the same bytes whether any credential was real or none, so
 * the answer tells nothing; only a malformed body is a 400. Limited per source address
 * (`policy.leakRevocationRateLimit`), counted before the body is read.
 */
export async function credentialRevocationRoute(
  parent: FastifyInstance,
  options: {
    leaks: LeakRevocation;
    policy: Policy;
    sharedLimits?: SharedLimits | undefined;
  },
): Promise<void> {
  const { max, windowSeconds } = options.policy.leakRevocationRateLimit;
  await parent.register(rateLimit, {
    ...rateLimitOptions(
      options.policy,
      (request) => `leaks:${clientAddressKey(request)}`,
      options.sharedLimits,
    ),
    hook: 'onRequest',
    max,
    timeWindow: windowSeconds * 1000,
  });
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    CREDENTIAL_REVOCATION_PATH,
    {
      bodyLimit: BODY_LIMIT_BYTES,
      config: { surface: 'leaks' },
      schema: {
        tags: ['Leaked secrets'],
        operationId: 'revokeLeakedCredentials',
        summary: 'Revoke the PATs of secrets found where they should not be (no authentication)',
        description:
          'Each string that is a well-formed Patina secret and the current or grace-window secret of a live PAT revokes that PAT (audit PERSONAL_ACCESS_TOKEN_REVOKED, reason LEAKED). The answer never says which matched. Rate-limited per source address.',
        body: Type.Ref(RevokeCredentialsRequest),
        response: {
          202: Type.Ref(RevokeCredentialsResponse, {
            description: 'Accepted; the same answer whether any credential was real',
          }),
          ...BODY_ERROR_RESPONSES,
          429: Type.Ref('RateLimitError', {
            description: 'Too many reports from this address; retry after Retry-After',
          }),
          500: Type.Ref('ErrorResponse', { description: 'Internal fault' }),
          503: Type.Ref('ErrorResponse', { description: 'The database cannot be reached' }),
        },
      },
    },
    async (request, reply) => {
      await options.leaks.revoke(auditContext(request), request.body.credentials);
      return reply.code(202).send({});
    },
  );
}
