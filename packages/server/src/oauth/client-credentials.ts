import type { TokenResponse } from '@patina/contract';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import { type RightsModel } from '../identities/rights.js';
import type { PatCredentialRecord } from '../pats/model.js';
import type { UsageCounter } from '../pats/usage-counter.js';
import type { UseSources } from '../pats/use-sources.js';
import type { Storage } from '../storage/repositories.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { ClientAuthenticator } from './client-authenticator.js';
import { dpopRequired } from './errors.js';
import { grantedScopes } from './granted-scopes.js';
import { resourceAudience } from './resource-audience.js';
import { DAY_MS } from '../core/time.js';

export interface ClientCredentialsRequest {
  clientId: string;
  clientSecret: string;
  /** The optional `scope` parameter: space-separated scopes to narrow the grant to. */
  scope: string | undefined;
  /** RFC 8707 `resource` parameters: the audiences the token is for. */
  resources: string[];
  context: AuditContext;
  /** RFC 9449: the request's DPoP key; the token is bound to it (`cnf.jkt`, token_type DPoP). */
  dpopJkt?: string | undefined;
}

export interface ClientCredentialsDeps {
  storage: Storage;
  rights: RightsModel;
  audit: AuditLog;
  clock: Clock;
  clients: ClientAuthenticator;
  accessTokens: AccessTokens;
  useSources: UseSources;
  /** Exchanges per PAT and day (the usage history): counted in memory, never awaited. */
  usage: Pick<UsageCounter, 'succeeded' | 'failed'>;
  /** Audiences a `resource` parameter may name: the default audience and the configured ones. */
  allowedAudiences: ReadonlySet<string>;
  tenant: { id: string; org: string; pod: string };
}

/**
 * The `client_credentials` grant with a PAT as the client, as a pipeline of named steps:
 * authenticate the PAT (with lockout) → decide the scopes and audience → mint → note the use.
 */
export class ClientCredentialsGrant {
  constructor(private readonly deps: ClientCredentialsDeps) {}

  async exchange(request: ClientCredentialsRequest): Promise<TokenResponse> {
    const record = await this.deps.clients.authenticate({ ...request, endpoint: 'token' });
    const { scopes, audience } = this.#decide(record, request);
    const { token, claims } = await this.deps.accessTokens.mint({
      identityId: record.ownerId,
      userName: record.ownerLogin,
      authorities: record.ownerRoles,
      patId: record.id,
      scopes,
      validitySeconds: record.accessTokenValiditySeconds,
      audience,
      allowedCidrs: record.allowedCidrs,
      boundTo: request.dpopJkt,
    });
    this.deps.usage.succeeded(record.id);
    await this.#noteUse(record, request.context);
    await this.deps.useSources.note(record.id, request.context.sourceIp, request.context.userAgent);
    const { tenant } = this.deps;
    return {
      access_token: token,
      token_type: request.dpopJkt === undefined ? 'bearer' : 'DPoP',
      expires_in: record.accessTokenValiditySeconds,
      scope: claims.scope,
      jti: claims.jti,
      tenant_id: tenant.id,
      org: tenant.org,
      pod: tenant.pod,
      identity_id: record.ownerId,
      user_name: record.ownerLogin,
      strong_auth: false,
      strong_auth_supported: false,
      enabled: true,
      internal: false,
      accessType: 'OFFLINE',
    };
  }

  /**
   * The token's scopes and audience. A refusal here (DPoP required, a scope or resource not
   * allowed) is a refused exchange of the PAT, counted as the authenticator counts its own.
   */
  #decide(
    record: PatCredentialRecord,
    request: ClientCredentialsRequest,
  ): { scopes: string[]; audience: string[] | undefined } {
    try {
      if (record.requireDpop === true && request.dpopJkt === undefined) throw dpopRequired('PAT');
      return {
        scopes: grantedScopes(this.deps.rights, record, request.scope),
        audience: resourceAudience(request.resources, this.deps.allowedAudiences),
      };
    } catch (error) {
      this.deps.usage.failed(record.id);
      throw error;
    }
  }

  /** lastUsed at most once a day per PAT, with one _USED event when it is written. */
  async #noteUse(record: PatCredentialRecord, context: AuditContext): Promise<void> {
    const now = this.deps.clock.now();
    const notAfter = new Date(now.getTime() - DAY_MS).toISOString();
    if (record.lastUsed !== null && record.lastUsed > notAfter) return;
    await this.deps.storage.transaction(async (repos) => {
      if (
        await repos.patCredentials.touchLastUsed({
          id: record.id,
          now: now.toISOString(),
          notAfter,
        })
      ) {
        await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_USED',
          context: { ...context, actorId: record.ownerId, actorName: record.ownerLogin },
          target: { type: 'PERSONAL_ACCESS_TOKEN', id: record.id, name: record.name },
          details: { ownerId: record.ownerId },
        });
      }
    });
  }
}
