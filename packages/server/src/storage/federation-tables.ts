/** The tables of workload identity federation (migration 0014). */
export interface FederationTables {
  trust_policies: TrustPoliciesTable;
  federation_replays: FederationReplaysTable;
}

export interface TrustPoliciesTable {
  id: string;
  name: string;
  issuer: string;
  jwks_uri: string | null;
  audience: string;
  conditions: string; // JSON object: claim → string or string[]
  identity_id: string;
  scope: string; // JSON array of rights
  max_token_lifetime_seconds: number;
  enabled: number;
  require_dpop: number;
  template: string | null;
  last_used: string | null;
  tokens_not_before: string | null;
  created: string;
  modified: string;
}

export interface FederationReplaysTable {
  issuer: string;
  jti: string;
  expires_at: string;
}
