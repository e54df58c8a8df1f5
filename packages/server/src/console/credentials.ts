import type { PatCredentialRecord } from '../pats/model.js';
import { isSessionId, type ConsoleSessions } from './sessions.js';

interface CredentialLookup {
  findCredential(id: string): Promise<PatCredentialRecord | undefined>;
}

/**
 * The credentials behind access tokens: PATs, and the web console's SSO sessions (whose ids,
 * `cs_…`, can never be a PAT's). The bearer check asks this one lookup for either, so a token of
 * an ended session is refused exactly as a token of a deleted PAT is.
 */
export function consoleCredentials(
  pats: CredentialLookup,
  sessions: ConsoleSessions,
): CredentialLookup {
  return {
    findCredential: (id) =>
      isSessionId(id) ? sessions.findCredential(id) : pats.findCredential(id),
  };
}
