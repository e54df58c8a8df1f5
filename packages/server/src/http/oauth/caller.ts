import type { FastifyRequest } from 'fastify';
import { readBearerToken } from '../bearer-auth.js';
import { clientAddress } from '../client-address.js';
import { auditContext } from '../request-context.js';
import type { RightsModel } from '../../identities/rights.js';
import { AccessTokenError } from '../../tokens/access-tokens.js';
import type { BearerAuthenticator } from '../../auth/bearer.js';
import { readOAuthParams, type TokenRequestParams } from './params.js';
import type { ClientAuthenticator } from '../../oauth/client-authenticator.js';
import {
  badClientCredentials,
  clientAuthenticationRequired,
  missingParameter,
} from '../../oauth/errors.js';
import type { OAuthCaller } from '../../oauth/introspection.js';

/**
 * Who calls introspection or revocation: a PAT by its client credentials (basic or post), or,
 * for introspection, the bearer of a Patina access token (RFC 7662 §2.1 allows either).
 */
export class OAuthCallerAuthenticator {
  constructor(
    private readonly deps: {
      clients: ClientAuthenticator;
      bearer: BearerAuthenticator;
      rights: RightsModel;
    },
  ) {}

  /** Reads an introspection or revocation request: the caller, and the required `token`. */
  async readTokenRequest(
    request: FastifyRequest,
    options: { endpoint: 'introspect' | 'revoke'; allowBearer: boolean },
  ): Promise<{ caller: OAuthCaller; token: string }> {
    const params = readOAuthParams(request);
    const caller = await this.authenticate(request, params, options);
    if (params.token === undefined) {
      throw missingParameter('token');
    }
    return { caller, token: params.token };
  }

  async authenticate(
    request: FastifyRequest,
    params: TokenRequestParams,
    options: { endpoint: 'introspect' | 'revoke'; allowBearer: boolean },
  ): Promise<OAuthCaller> {
    const header = request.headers.authorization;
    if (options.allowBearer && header && /^bearer /i.test(header)) {
      const token = readBearerToken(header);
      if (!token) throw badClientCredentials();
      try {
        const principal = await this.deps.bearer.authenticate(token, {
          sourceIp: clientAddress(request),
        });
        return {
          patId: principal.patId,
          rights: principal.rights,
          bearerPatExpirationDate: principal.patExpirationDate ?? null,
        };
      } catch (error) {
        if (error instanceof AccessTokenError) throw badClientCredentials();
        throw error;
      }
    }
    if (!params.clientId || params.clientSecret === undefined) {
      throw clientAuthenticationRequired();
    }
    const record = await this.deps.clients.authenticate({
      clientId: params.clientId,
      clientSecret: params.clientSecret,
      context: { ...auditContext(request), actorId: null, actorName: null },
      endpoint: options.endpoint,
    });
    const { rights } = this.deps;
    const held = rights.rightsOf({ roles: record.ownerRoles, rights: record.ownerRights });
    return { patId: record.id, rights: new Set(rights.grantable(record.scope, held)) };
  }
}
