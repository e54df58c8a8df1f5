/** The web console's tables (migration 0005), portable as tables.ts describes. */
export interface ConsoleSessionsTable {
  /** `cs_` and 32 hex characters: the session's public id, also the client_id of its tokens. */
  id: string;
  /** SHA-256 (hex) of the cookie's value; the cookie itself is never stored. */
  token_digest: string;
  csrf_token: string;
  identity_id: string;
  method: 'PAT' | 'SSO';
  /** PAT sign-in: the PAT that was exchanged. */
  pat_id: string | null;
  /** PAT sign-in: the exchanged access token, sealed under a key derived from the master key. */
  access_token_sealed: string | null;
  created: string;
  last_seen: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  source_ip: string | null;
  user_agent: string | null;
}

export interface ConsoleTables {
  console_sessions: ConsoleSessionsTable;
}
