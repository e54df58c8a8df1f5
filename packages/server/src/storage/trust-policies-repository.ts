import type { TrustPolicyTemplate } from '@patina/contract';
import type { Updateable } from 'kysely';
import type { PatCredentialRecord } from '../pats/model.js';
import type { RecordChange } from './change-feed.js';
import type { Db } from './database.js';
import { parseStringArray } from './json.js';
import { countRows, touchLastUsed } from './rows.js';
import { credentialOwner, CREDENTIAL_OWNER_COLUMNS } from './pats-with-owners.js';
import type { TrustPoliciesTable } from './federation-tables.js';

/** Claim → the exact value or glob it must match, or alternatives of which one must. */
export type TrustConditions = Record<string, string | string[]>;

/** A trust policy as stored (docs/federation.md). */
export interface TrustPolicyRecord {
  id: string;
  name: string;
  issuer: string;
  jwksUri: string | null;
  audience: string;
  conditions: TrustConditions;
  identityId: string;
  scope: string[];
  maxTokenLifetimeSeconds: number;
  enabled: boolean;
  /** Only DPoP-bound tokens (RFC 9449): an exchange without a proof is refused. */
  requireDpop: boolean;
  template: TrustPolicyTemplate | null;
  lastUsed: string | null;
  /** Access tokens it issued before this instant are refused (a disable or a narrowing). */
  tokensNotBefore: string | null;
  created: string;
  modified: string;
}

export type TrustPolicyChanges = Partial<
  Omit<TrustPolicyRecord, 'id' | 'created' | 'lastUsed' | 'template'>
> & { modified: string };

/**
 * Trust policies and the replay record of exchanged tokens. A change to a policy is a change to
 * the credential behind its access tokens: it goes out on the change feed under the policy's id
 * (the tokens' client_id), so every node's liveness cache drops it at once.
 */
export class TrustPoliciesRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(policy: TrustPolicyRecord): Promise<void> {
    await this.db
      .insertInto('trust_policies')
      .values({
        id: policy.id,
        name: policy.name,
        issuer: policy.issuer,
        jwks_uri: policy.jwksUri,
        audience: policy.audience,
        conditions: JSON.stringify(policy.conditions),
        identity_id: policy.identityId,
        scope: JSON.stringify(policy.scope),
        max_token_lifetime_seconds: policy.maxTokenLifetimeSeconds,
        enabled: policy.enabled ? 1 : 0,
        require_dpop: policy.requireDpop ? 1 : 0,
        template: policy.template,
        last_used: policy.lastUsed,
        tokens_not_before: policy.tokensNotBefore,
        created: policy.created,
        modified: policy.modified,
      })
      .execute();
  }

  async find(id: string): Promise<TrustPolicyRecord | undefined> {
    const row = await this.db
      .selectFrom('trust_policies')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async list(page: { limit: number; offset: number }): Promise<TrustPolicyRecord[]> {
    const rows = await this.db
      .selectFrom('trust_policies')
      .selectAll()
      .orderBy('created')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toRecord);
  }

  count(): Promise<number> {
    return countRows(this.db, 'trust_policies');
  }

  /** The enabled policies that trust `issuer`: the candidates for an incoming token. */
  async enabledForIssuer(issuer: string): Promise<TrustPolicyRecord[]> {
    const rows = await this.db
      .selectFrom('trust_policies')
      .selectAll()
      .where('issuer', '=', issuer)
      .where('enabled', '=', 1)
      .orderBy('created')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async update(id: string, changes: TrustPolicyChanges): Promise<void> {
    const c = changes;
    const set: Updateable<TrustPoliciesTable> = {
      modified: c.modified,
      ...(c.name !== undefined && { name: c.name }),
      ...(c.issuer !== undefined && { issuer: c.issuer }),
      ...(c.jwksUri !== undefined && { jwks_uri: c.jwksUri }),
      ...(c.audience !== undefined && { audience: c.audience }),
      ...(c.conditions !== undefined && { conditions: JSON.stringify(c.conditions) }),
      ...(c.identityId !== undefined && { identity_id: c.identityId }),
      ...(c.scope !== undefined && { scope: JSON.stringify(c.scope) }),
      ...(c.maxTokenLifetimeSeconds !== undefined && {
        max_token_lifetime_seconds: c.maxTokenLifetimeSeconds,
      }),
      ...(c.enabled !== undefined && { enabled: c.enabled ? 1 : 0 }),
      ...(c.requireDpop !== undefined && { require_dpop: c.requireDpop ? 1 : 0 }),
      ...(c.tokensNotBefore !== undefined && { tokens_not_before: c.tokensNotBefore }),
    };
    await this.db.updateTable('trust_policies').set(set).where('id', '=', id).execute();
    await this.record({ kind: 'pat', id });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('trust_policies')
      .where('id', '=', id)
      .executeTakeFirst();
    await this.record({ kind: 'pat', id });
    return result.numDeletedRows > 0n;
  }

  /**
   * The policy as the credential behind its access tokens, for the bearer check: its identity's
   * status, roles and rights now. A disabled policy reads as deleted; the secret fields are
   * empty (a policy has no secret).
   */
  async findCredential(id: string): Promise<PatCredentialRecord | undefined> {
    const row = await this.db
      .selectFrom('trust_policies as t')
      .innerJoin('identities as o', 'o.id', 't.identity_id')
      .select([
        't.id',
        't.name',
        't.scope',
        't.enabled',
        't.require_dpop',
        't.modified',
        't.last_used',
        't.max_token_lifetime_seconds',
        't.tokens_not_before',
        'o.id as owner_id',
        ...CREDENTIAL_OWNER_COLUMNS,
      ])
      .where('t.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      ...credentialOwner(row),
      name: row.name,
      scope: parseStringArray(row.scope),
      secretDigest: '',
      digestVersion: 0,
      previousSecret: null,
      rotatedAt: null,
      tokensNotBefore: row.tokens_not_before,
      allowedCidrs: null,
      requireDpop: row.require_dpop === 1,
      lastUsed: row.last_used,
      accessTokenValiditySeconds: row.max_token_lifetime_seconds,
      expirationDate: null,
      deletedAt: row.enabled === 1 ? null : row.modified,
      revokedReason: null,
    };
  }

  /** lastUsed := now unless it was written after `notAfter`; true when it wrote. */
  touchLastUsed(touch: { id: string; now: string; notAfter: string }): Promise<boolean> {
    return touchLastUsed(this.db, 'trust_policies', touch);
  }

  /**
   * Notes that the token `jti` of `issuer` was exchanged; false when it already was (a replay).
   * The primary key decides, so two nodes racing with the same token cannot both win.
   */
  async noteExchanged(token: { issuer: string; jti: string; expiresAt: string }): Promise<boolean> {
    const result = await this.db
      .insertInto('federation_replays')
      .values({ issuer: token.issuer, jti: token.jti, expires_at: token.expiresAt })
      .onConflict((oc) => oc.columns(['issuer', 'jti']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Forgets exchanged tokens that have expired (they are refused by their exp anyway). */
  async pruneReplays(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom('federation_replays')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: TrustPoliciesTable): TrustPolicyRecord {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    jwksUri: row.jwks_uri,
    audience: row.audience,
    conditions: JSON.parse(row.conditions) as TrustConditions,
    identityId: row.identity_id,
    scope: parseStringArray(row.scope),
    maxTokenLifetimeSeconds: row.max_token_lifetime_seconds,
    enabled: row.enabled === 1,
    requireDpop: row.require_dpop === 1,
    template: row.template as TrustPolicyTemplate | null,
    lastUsed: row.last_used,
    tokensNotBefore: row.tokens_not_before,
    created: row.created,
    modified: row.modified,
  };
}
