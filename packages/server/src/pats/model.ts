import type {
  IdentityStatus,
  PatRevocationReason,
  PatSortField,
  PatStatus,
  PatUseSource,
} from '@patina/contract';

export interface PersonalAccessToken {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  scope: string[];
  created: string;
  lastUsed: string | null;
  managed: boolean;
  accessTokenValiditySeconds: number;
  /** null for a never-expiring PAT. */
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
  /** Patina's own fields: never on a SailPoint surface. */
  description: string;
  /** Canonical CIDRs the PAT may be used from; null for anywhere. */
  allowedCidrs: string[] | null;
  /** DPoP-bound tokens only (RFC 9449). */
  requireDpop: boolean;
  rotatedAt: string | null;
  previousSecretValidUntil: string | null;
}

/** A PAT as the Patina resource shows it: with its status and the addresses it was used from. */
export interface PatinaPersonalAccessToken extends PersonalAccessToken {
  status: PatStatus;
  lastUsedFrom: PatUseSource[];
}

/** What the token endpoint and bearer check need: the PAT, its digest and its owner, in one read. */
export interface PatCredentialRecord {
  id: string;
  ownerId: string;
  ownerLogin: string;
  ownerName: string;
  ownerStatus: IdentityStatus;
  ownerRoles: string[];
  ownerRights: string[];
  /** When the owner was last disabled: access tokens issued before it stay dead. */
  ownerDisabledAt?: string | null;
  name: string;
  scope: string[];
  secretDigest: string;
  digestVersion: number;
  /** The secret before the last rotation: usable until `validUntil`, a reuse after it. */
  previousSecret: { digest: string; version: number; validUntil: string | null } | null;
  /** When the current secret replaced the previous one; null if never rotated. */
  rotatedAt: string | null;
  /**
   * Access tokens issued before this second are refused whatever the grace: the rotation before
   * the last one, whose secret's grace the last rotation ended. null until rotated twice.
   */
  tokensNotBefore: string | null;
  allowedCidrs: string[] | null;
  /** DPoP-bound tokens only: an exchange without a proof, and a token without cnf, are refused. */
  requireDpop?: boolean;
  lastUsed: string | null;
  accessTokenValiditySeconds: number;
  expirationDate: string | null;
  deletedAt: string | null;
  /** Set when Patina revoked it (deletedAt is set too). */
  revokedReason: PatRevocationReason | null;
}

/**
 * Why a PAT cannot be used now, or null when it can: deleted, revoked by Patina, expired, or its
 * owner disabled.
 */
export type PatRefusal = 'deleted' | 'revoked' | 'expired' | 'owner_disabled';

/** The one rule for "this PAT may be used now", shared by the token endpoint and bearer check. */
export function patRefusal(record: PatCredentialRecord, nowIso: string): PatRefusal | null {
  if (record.deletedAt !== null) return record.revokedReason === null ? 'deleted' : 'revoked';
  if (record.expirationDate !== null && record.expirationDate <= nowIso) return 'expired';
  if (record.ownerStatus !== 'ACTIVE') return 'owner_disabled';
  return null;
}

/**
 * Whether an access token issued at `iatSeconds` came from a secret a rotation retired, and that
 * secret's grace window is over (at once with no grace): such a token dies with its secret
 * (docs/rules.md, "Lifecycle"). Issued before the rotation means issued with the old secret.
 * iat is in whole seconds, so a token of the rotation's own second may be the new secret's and
 * counts as after it, as @patina/verify counts a rotation's SET. A token the old secret earned
 * inside the grace is not caught here: its exp is the end of the grace (ClientAuthenticator).
 * Tokens from before an earlier rotation stay refused (`tokensNotBefore`): a later rotation's
 * grace is the latest secret's, never theirs.
 */
export function retiredByRotation(
  record: Pick<PatCredentialRecord, 'rotatedAt' | 'previousSecret' | 'tokensNotBefore'>,
  iatSeconds: number,
  nowIso: string,
): boolean {
  const notBefore = record.tokensNotBefore;
  if (notBefore !== null && iatSeconds < Math.floor(Date.parse(notBefore) / 1000)) return true;
  if (record.rotatedAt === null) return false;
  const graceEnd = record.previousSecret?.validUntil ?? null;
  if (graceEnd !== null && nowIso < graceEnd) return false;
  return iatSeconds < Math.floor(Date.parse(record.rotatedAt) / 1000);
}

export interface PatSort {
  field: PatSortField;
  descending: boolean;
}
