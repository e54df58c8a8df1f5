import type { PatRevocationReason } from '@patina/contract';
import type { AuditContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Repositories } from '../storage/repositories.js';

/**
 * Revokes one live PAT inside the caller's transaction, with its PERSONAL_ACCESS_TOKEN_REVOKED
 * event (details.reason says why), so the event is written together with the revocation or not
 * at all. Every way Patina revokes goes through here: a leaked secret, inactivity, offboarding,
 * a reused old secret. False when the PAT was already gone.
 */
export async function revokePat(
  repos: Repositories,
  audit: AuditLog,
  revocation: {
    pat: { id: string; name: string; ownerId: string };
    reason: PatRevocationReason;
    now: string;
    context: AuditContext;
    details?: Record<string, unknown>;
    /** For INACTIVE: revoke only if the PAT is still unused since then (lastUsed or created). */
    unusedSince?: string;
  },
): Promise<boolean> {
  const { pat, reason, now, unusedSince } = revocation;
  const revoked =
    unusedSince === undefined
      ? await repos.patLifecycle.revoke(pat.id, now, reason)
      : await repos.patLifecycle.revokeUnused({ id: pat.id, activeAt: unusedSince, now });
  if (!revoked) return false;
  await audit.record(repos, {
    type: 'PERSONAL_ACCESS_TOKEN_REVOKED',
    context: revocation.context,
    target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
    details: { ownerId: pat.ownerId, reason, ...revocation.details },
  });
  return true;
}
