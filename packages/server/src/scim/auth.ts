import { RIGHTS } from '@patina/contract';
import type { BearerAuthenticator } from '../auth/bearer.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { DAY_MS } from '../core/time.js';
import type { RightsModel } from '../identities/rights.js';
import { isAllowedFrom } from '../pats/allowed-cidrs.js';
import { patRefusal, type PatCredentialRecord } from '../pats/model.js';
import type { Storage } from '../storage/repositories.js';
import { isWellFormedSecret, type SecretDigester } from '../tokens/secret.js';
import { AccessTokenError } from '../tokens/access-tokens.js';
import { ScimError } from './errors.js';

/** Who called, once the token holds: the identity that owns the PAT. */
export interface ScimCaller {
  identityId: string;
  /** The owner's login: the audit events' actor name, as on the API (auditContext). */
  login: string;
}

/** 401: no usable credential. The detail never quotes the token. */
export class ScimUnauthorized extends ScimError {
  constructor(detail: string) {
    super(401, detail);
  }
}

/**
 * Authentication of the directory (docs/scim.md): `Authorization: Bearer <PAT secret>`, as Okta's
 * "HTTP Header" and Entra ID's "Secret Token" send a static token, or a Patina access token. The
 * PAT must be live, its owner ACTIVE, the caller inside its allowedCidrs, and its scope ∩ the
 * owner's rights must hold patina:scim:provision. The secret is found by its keyed digest, as
 * leaked-secret revocation finds it (pats/leak-revocation.ts).
 */
export class ScimAuthenticator {
  constructor(
    private readonly deps: {
      storage: Storage;
      digester: SecretDigester;
      bearer: BearerAuthenticator;
      rights: RightsModel;
      clock: Clock;
      audit: AuditLog;
    },
  ) {}

  async authenticate(token: string, sourceIp: string | null): Promise<ScimCaller> {
    if (isWellFormedSecret(token)) return this.#bySecret(token, sourceIp);
    let principal;
    try {
      principal = await this.deps.bearer.authenticate(token, { sourceIp });
    } catch (error) {
      if (error instanceof AccessTokenError)
        throw new ScimUnauthorized('The bearer token is not valid');
      throw error;
    }
    if (!principal.rights.has(RIGHTS.scimProvision)) throw missingRight();
    return { identityId: principal.identityId, login: principal.login };
  }

  async #bySecret(secret: string, sourceIp: string | null): Promise<ScimCaller> {
    const { storage, digester, clock, rights } = this.deps;
    const now = clock.now().toISOString();
    const digests = digester.lookupDigests(secret);
    const [pat] = await storage.repos.patLifecycle.findLiveByDigests(digests, now);
    const record = pat && (await storage.repos.patCredentials.findCredential(pat.id));
    if (!record || patRefusal(record, now) !== null) {
      throw new ScimUnauthorized('The bearer token is not a live PAT of an active identity');
    }
    if (
      record.allowedCidrs !== null &&
      (sourceIp === null || !isAllowedFrom(record.allowedCidrs, sourceIp))
    ) {
      throw new ScimUnauthorized('The PAT may not be used from this address');
    }
    // requireDpop: the PAT takes DPoP-bound tokens only; its bare secret is no bearer token.
    if (record.requireDpop) {
      throw new ScimUnauthorized('The PAT takes DPoP-bound tokens only (requireDpop)');
    }
    const held = rights.rightsOf({ roles: record.ownerRoles, rights: record.ownerRights });
    if (!rights.grantable(record.scope, held).includes(RIGHTS.scimProvision)) throw missingRight();
    await this.#noteUse(record, sourceIp);
    return { identityId: record.ownerId, login: record.ownerLogin };
  }

  /**
   * lastUsed, at most once a day, with its one _USED event, as an exchange notes it
   * (oauth/client-credentials.ts): a directory's PAT is used here and never exchanged, and the
   * inactivity sweep and access reviews must see it in use.
   */
  async #noteUse(record: PatCredentialRecord, sourceIp: string | null): Promise<void> {
    const now = this.deps.clock.now();
    const notAfter = new Date(now.getTime() - DAY_MS).toISOString();
    if (record.lastUsed !== null && record.lastUsed > notAfter) return;
    await this.deps.storage.transaction(async (repos) => {
      const touched = await repos.patCredentials.touchLastUsed({
        id: record.id,
        now: now.toISOString(),
        notAfter,
      });
      if (!touched) return;
      await this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_USED',
        context: {
          actorId: record.ownerId,
          actorName: record.ownerLogin,
          sourceIp,
          userAgent: null,
          trackingId: null,
          via: 'SCIM',
        },
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: record.id, name: record.name },
        details: { ownerId: record.ownerId },
      });
    });
  }
}

function missingRight() {
  return new ScimError(403, `Calling the SCIM service needs the right ${RIGHTS.scimProvision}`);
}
