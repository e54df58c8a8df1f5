import type { PatRevocationReason } from '@patina/contract';
import type { PatCredentialRecord } from '../pats/model.js';
import { CompiledStatement, type Param } from './compiled.js';
import type { Db } from './database.js';
import { parseStringArray } from './json.js';
import { touchLastUsed } from './rows.js';
import {
  credentialOwner,
  CREDENTIAL_OWNER_COLUMNS,
  parseCidrs,
  patsWithOwners,
} from './pats-with-owners.js';

/** The credential check's one read (every exchange; the bearer check when its cache misses). */
const FIND_CREDENTIAL = new CompiledStatement((db, p: Param<{ id: string }>) =>
  patsWithOwners(db)
    .select([
      'p.id',
      'p.owner_id',
      'p.name',
      'p.scope',
      'p.secret_digest',
      'p.digest_version',
      'p.last_used',
      'p.access_token_validity_seconds',
      'p.expiration_date',
      'p.deleted_at',
      'p.revoked_reason',
      'p.previous_secret_digest',
      'p.previous_digest_version',
      'p.previous_secret_valid_until',
      'p.rotated_at',
      'p.tokens_not_before',
      'p.allowed_cidrs',
      'p.require_dpop',
      ...CREDENTIAL_OWNER_COLUMNS,
    ])
    .where('p.id', '=', p('id')),
);

/**
 * What checking a PAT's secret reads and writes: the token endpoint's exchange, and the bearer
 * check when its cache misses.
 */
export class PatCredentialsRepository {
  constructor(private readonly db: Db) {}

  /** The credential check's one read: PAT, digest and owner, deleted or not. */
  async findCredential(id: string): Promise<PatCredentialRecord | undefined> {
    const [row] = await FIND_CREDENTIAL.execute(this.db, { id });
    if (!row) return undefined;
    return {
      id: row.id,
      ...credentialOwner(row),
      name: row.name,
      scope: parseStringArray(row.scope),
      secretDigest: row.secret_digest,
      digestVersion: row.digest_version,
      previousSecret:
        row.previous_secret_digest === null
          ? null
          : {
              digest: row.previous_secret_digest,
              version: row.previous_digest_version ?? 1,
              validUntil: row.previous_secret_valid_until,
            },
      rotatedAt: row.rotated_at,
      tokensNotBefore: row.tokens_not_before,
      allowedCidrs: parseCidrs(row.allowed_cidrs),
      requireDpop: row.require_dpop === 1,
      lastUsed: row.last_used,
      accessTokenValiditySeconds: row.access_token_validity_seconds,
      expirationDate: row.expiration_date,
      deletedAt: row.deleted_at,
      revokedReason: row.revoked_reason as PatRevocationReason | null,
    };
  }

  /**
   * Sets lastUsed to `now` unless it was set after `notAfter` (SailPoint writes it at most once a
   * day). One conditional UPDATE, so concurrent exchanges write it once. True when it wrote.
   */
  touchLastUsed(touch: { id: string; now: string; notAfter: string }): Promise<boolean> {
    return touchLastUsed(this.db, 'personal_access_tokens', touch);
  }
}
