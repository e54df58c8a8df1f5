export const IDENTITY_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

export interface Identity {
  id: string;
  /** Unique login name; the `user_name` of access tokens. */
  login: string;
  name: string;
  status: IdentityStatus;
  roles: string[];
  /** Rights granted directly, on top of those the roles give. */
  rights: string[];
  created: string;
  modified: string;
}
