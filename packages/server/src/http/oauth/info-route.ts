import { OAuthInfo } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface InfoOptions {
  tenantId: string;
  tenantName: string;
  org: string;
  pod: string;
  baseUrl: string;
  issuer: string;
}

/** `GET /oauth/info`, the tenant description SailPoint's CLI reads before it asks for a token. */
export function registerInfoRoute(app: FastifyInstance, info: InfoOptions): void {
  const body = {
    tenantId: info.tenantId,
    tenantName: info.tenantName,
    org: info.org,
    pod: info.pod,
    tokenEndpoint: `${info.baseUrl}/oauth/token`,
    issuer: info.issuer,
    apiBaseUrl: info.baseUrl,
  };
  app.get(
    '/oauth/info',
    {
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'oauthInfo',
        summary: 'Tenant and token endpoint',
        response: {
          200: Type.Ref(OAuthInfo, {
            description: 'Where to ask for a token, and for which tenant',
          }),
        },
      },
    },
    () => body,
  );
}
