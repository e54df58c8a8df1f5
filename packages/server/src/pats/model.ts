import type { IdentityStatus, PatSortField } from '@patina/contract';

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
  name: string;
  scope: string[];
  secretDigest: string;
  digestVersion: number;
  lastUsed: string | null;
  accessTokenValiditySeconds: number;
  expirationDate: string | null;
  deletedAt: string | null;
}

/** Why a PAT cannot be used now, or null when it can: deleted, expired, or its owner disabled. */
export type PatRefusal = 'deleted' | 'expired' | 'owner_disabled';

/** The one rule for "this PAT may be used now", shared by the token endpoint and bearer check. */
export function patRefusal(record: PatCredentialRecord, nowIso: string): PatRefusal | null {
  if (record.deletedAt !== null) return 'deleted';
  if (record.expirationDate !== null && record.expirationDate <= nowIso) return 'expired';
  if (record.ownerStatus !== 'ACTIVE') return 'owner_disabled';
  return null;
}

export interface PatSort {
  field: PatSortField;
  descending: boolean;
}
