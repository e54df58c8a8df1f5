import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Repositories } from '../storage/repositories.js';

/**
 * Where the id of an identity's current recovery PAT (`patina-server admin token`) is kept: each
 * identity has at most one, and a new one replaces it.
 */
const recoveryKey = (identityId: string) => `recovery_pat:${identityId}`;

/**
 * Inside the create's transaction: deletes the identity's earlier recovery PAT, if it is still
 * live; returns its id.
 */
export async function retirePreviousRecovery(
  repos: Repositories,
  audit: AuditLog,
  retire: { ctx: RequestContext; ownerId: string; now: string },
): Promise<string | undefined> {
  const { ctx, ownerId } = retire;
  const previous = await repos.settings.get(recoveryKey(ownerId));
  const pat = previous === undefined ? undefined : await repos.pats.findLive(previous);
  if (!pat || pat.ownerId !== ownerId) return undefined;
  await repos.pats.markDeleted(pat.id, retire.now);
  await audit.record(repos, {
    type: 'PERSONAL_ACCESS_TOKEN_DELETED',
    context: ctx.audit,
    target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
    details: { ownerId, reason: 'REPLACED_BY_RECOVERY' },
  });
  return pat.id;
}

/** Inside the create's transaction: `patId` is now the identity's recovery PAT. */
export async function rememberRecovery(
  repos: Repositories,
  ownerId: string,
  patId: string,
): Promise<void> {
  await repos.settings.set(recoveryKey(ownerId), patId);
}
