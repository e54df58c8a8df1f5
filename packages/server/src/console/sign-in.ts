import type { AuditContext } from '../access/context.js';
import { systemContext } from '../access/context.js';
import type { IdentityService } from '../identities/identity-service.js';
import type { ClientCredentialsGrant } from '../oauth/client-credentials.js';
import type { ConsoleSessionRecord } from '../storage/console-sessions-repository.js';
import type { Storage } from '../storage/repositories.js';
import type { Clock } from '../core/clock.js';
import type { ConsoleSessions } from './sessions.js';
import { personFromClaims, type ClaimMapping } from './sso-identity.js';

export interface SignedIn {
  cookie: string;
  session: ConsoleSessionRecord;
}

/** Why an SSO sign-in found no identity to be. */
export type SsoRefusal = 'NO_IDENTITY_CLAIM' | 'NOT_PROVISIONED' | 'DISABLED' | 'UNUSABLE_LOGIN';

/** The actor the console's SSO acts as when it creates or updates an identity. */
const SSO_ACTOR = systemContext('patina console sso');

/**
 * The two ways into the console. With a PAT, the client id and secret go through the token
 * endpoint's own grant (lockout, audit, last-used and the PAT's address limits included) and the
 * session keeps the access token it gave. With SSO, the issuer's claims name the identity.
 */
export class ConsoleSignIn {
  constructor(
    private readonly deps: {
      grant: ClientCredentialsGrant;
      identities: IdentityService;
      storage: Storage;
      sessions: ConsoleSessions;
      clock: Clock;
      sso: ClaimMapping & { autoProvision: boolean };
    },
  ) {}

  /** Throws the grant's OAuthError (invalid_client, too_many_attempts) when refused. */
  async withPat(input: {
    clientId: string;
    clientSecret: string;
    context: AuditContext;
  }): Promise<SignedIn> {
    const response = await this.deps.grant.exchange({
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      scope: undefined,
      resources: [],
      context: input.context,
    });
    const nowMs = this.deps.clock.now().getTime();
    return this.deps.sessions.start({
      identityId: response.identity_id,
      method: 'PAT',
      pat: {
        id: input.clientId,
        accessToken: response.access_token,
        expiresAtMs: nowMs + response.expires_in * 1000,
      },
      sourceIp: input.context.sourceIp,
      userAgent: input.context.userAgent,
    });
  }

  async withSso(
    claims: Record<string, unknown>,
    context: AuditContext,
  ): Promise<SignedIn | { refusal: SsoRefusal }> {
    const person = personFromClaims(claims, this.deps.sso);
    if (!person) return { refusal: 'NO_IDENTITY_CLAIM' };
    const { identities, storage } = this.deps;
    const actor = { ...SSO_ACTOR, audit: { ...SSO_ACTOR.audit, sourceIp: context.sourceIp } };
    let identity = await storage.repos.identities.findByLogin(person.login);
    if (!identity) {
      if (!this.deps.sso.autoProvision) return { refusal: 'NOT_PROVISIONED' };
      try {
        identity = await identities.create(actor, {
          name: person.name,
          login: person.login,
          roles: person.roles ?? ['USER'],
          email: person.email,
        });
      } catch {
        // A login Patina cannot hold (characters outside its pattern, too long), or one made
        // by a sign-in on another node a moment ago: look again before giving up.
        identity = await storage.repos.identities.findByLogin(person.login);
        if (!identity) return { refusal: 'UNUSABLE_LOGIN' };
      }
    }
    if (identity.status !== 'ACTIVE') return { refusal: 'DISABLED' };
    if (person.roles && !sameMembers(person.roles, identity.roles)) {
      identity = await identities.update(actor, identity.id, { roles: person.roles });
    }
    return this.deps.sessions.start({
      identityId: identity.id,
      method: 'SSO',
      sourceIp: context.sourceIp,
      userAgent: context.userAgent,
    });
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
