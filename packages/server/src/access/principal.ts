/** A caller of the PAT and admin APIs, as established by bearer authentication. */
export interface Principal {
  readonly kind: 'user';
  identityId: string;
  identityName: string;
  login: string;
  /** The PAT whose access token authenticated this call. */
  patId: string;
  /** That PAT's expiry (null: never), for the `Patina-Token-Expiration` header. */
  patExpirationDate?: string | null;
  /** The token's scopes ∩ the identity's rights now, canonical spelling. */
  rights: ReadonlySet<string>;
  /** A delegated token (RFC 8693): it may not create or rotate PATs or trust policies. */
  delegated?: boolean;
}
