import type { Identity } from '@patina/contract';
import type { AuditContext, RequestContext } from '../access/context.js';
import { systemContext } from '../access/context.js';
import { PatinaError } from '../core/errors.js';
import type { IdentityService } from '../identities/identity-service.js';
import type { ClientCredentialsGrant } from '../oauth/client-credentials.js';
import type { ConsoleSessionRecord } from '../storage/console-sessions-repository.js';
import type { Storage } from '../storage/repositories.js';
import type { Clock } from '../core/clock.js';
import type { ConsoleSessions } from './sessions.js';
import { personFromClaims, type ClaimMapping, type SsoPerson } from './sso-identity.js';
import { randomText } from '../core/ids.js';

export interface SignedIn {
  cookie: string;
  session: ConsoleSessionRecord;
}

/** Why an SSO sign-in found no identity to be. */
export type SsoRefusal =
  'NO_IDENTITY_CLAIM' | 'NOT_PROVISIONED' | 'DISABLED' | 'UNUSABLE_LOGIN' | 'AMBIGUOUS_EMAIL';

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
      sso: ClaimMapping & { autoProvision: boolean; linkExistingByVerifiedEmail: boolean };
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

  /**
   * The sign-in of the person the issuer's claims describe. It is bound to their account at the
   * issuer, (`iss`, `sub`): a returning person is the identity that pair is linked to, whatever
   * their address or user name says now. A first sign-in never takes over an identity made
   * another way (the bootstrap administrator, the API): it is linked only where an administrator
   * linked that identity, or where `sso.linkExistingByVerifiedEmail` is on and the issuer has
   * verified the address; otherwise it gets an identity of its own (`sso.autoProvision`) or is
   * refused.
   */
  async withSso(
    claims: Record<string, unknown>,
    context: AuditContext,
  ): Promise<SignedIn | { refusal: SsoRefusal }> {
    const person = personFromClaims(claims, this.deps.sso);
    if (!person) return { refusal: 'NO_IDENTITY_CLAIM' };
    const actor = { ...SSO_ACTOR, audit: { ...SSO_ACTOR.audit, sourceIp: context.sourceIp } };
    const found = await this.#identityOf(person, actor);
    if ('refusal' in found) return found;
    let identity = found.identity;
    if (identity.status !== 'ACTIVE') return { refusal: 'DISABLED' };
    // Every identity reached here is the link's own (made by SSO, or linked on purpose), so the
    // groups may set its roles; no other identity's roles are ever touched. A directory-managed
    // identity's roles come from its SCIM groups alone (docs/scim.md).
    if (person.roles && !identity.directoryManaged && !sameMembers(person.roles, identity.roles)) {
      identity = await this.deps.identities.update(actor, identity.id, { roles: person.roles });
    }
    return this.deps.sessions.start({
      identityId: identity.id,
      method: 'SSO',
      sourceIp: context.sourceIp,
      userAgent: context.userAgent,
    });
  }

  /** The identity the person's account is linked to, linking or making one at a first sign-in. */
  async #identityOf(
    person: SsoPerson,
    actor: RequestContext,
  ): Promise<{ identity: Identity } | { refusal: SsoRefusal }> {
    const { identities, storage, sso } = this.deps;
    const linked = await storage.repos.identities.findBySsoLink(person.link);
    if (linked) return { identity: linked };
    if (sso.linkExistingByVerifiedEmail && person.email !== null) {
      const matches = await storage.repos.identities.findUnlinkedByEmail(person.email, 2);
      // Two identities with the address: which one is this person's is for an administrator.
      if (matches.length > 1) return { refusal: 'AMBIGUOUS_EMAIL' };
      if (matches[0] && (await identities.linkIfUnlinked(actor, matches[0].id, person.link))) {
        return { identity: await identities.get(actor, matches[0].id) };
      }
      // Linked a moment ago by this person's sign-in on another node, or to someone else.
      const raced = await storage.repos.identities.findBySsoLink(person.link);
      if (raced) return { identity: raced };
    }
    if (!sso.autoProvision) return { refusal: 'NOT_PROVISIONED' };
    if (person.login === undefined) return { refusal: 'NO_IDENTITY_CLAIM' };
    return this.#create(person, person.login, actor);
  }

  /**
   * A new identity linked to the person's account. A wanted login another identity holds is
   * never a reason to attach to that identity: the new one takes the first free `login-2` …
   * `login-9`, then a random suffix.
   */
  async #create(
    person: SsoPerson,
    wanted: string,
    actor: RequestContext,
  ): Promise<{ identity: Identity } | { refusal: SsoRefusal }> {
    let email = person.email;
    const logins = loginCandidates(wanted);
    for (let login = logins.next(); !login.done;) {
      try {
        const identity = await this.deps.identities.create(actor, {
          name: person.name || login.value,
          login: login.value,
          roles: person.roles ?? ['USER'],
          email,
          ssoLink: person.link,
        });
        return { identity };
      } catch (error) {
        if (!(error instanceof PatinaError)) throw error;
        if (error.field === 'ssoLink') {
          // Made a moment ago by this person's sign-in on another node.
          const raced = await this.deps.storage.repos.identities.findBySsoLink(person.link);
          if (raced) return { identity: raced };
        }
        if (error.field === 'email' && email !== null) {
          // An address Patina cannot mail to: the identity is made without one.
          email = null;
        } else if (error.code === 'REFERENCE_CONFLICT' && error.field === 'login') {
          login = logins.next();
        } else {
          // A login (or name) Patina cannot hold: characters outside its pattern, too long.
          return { refusal: 'UNUSABLE_LOGIN' };
        }
      }
    }
    return { refusal: 'UNUSABLE_LOGIN' };
  }
}

/** The logins a new SSO identity tries in turn: the wanted one, then variants of it. */
function* loginCandidates(wanted: string): Generator<string> {
  yield wanted;
  const base = wanted.slice(0, 110);
  for (let n = 2; n <= 9; n++) yield `${base}-${n}`;
  yield `${base}-${randomText(4, 'hex')}`;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
