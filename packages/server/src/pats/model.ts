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
  allowedCidrs: string[] | null;
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

export interface PatSort {
  field: PatSortField;
  descending: boolean;
}
