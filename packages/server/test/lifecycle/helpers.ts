import type { TestApp } from '../helpers.js';

/** The Patina PAT resource. */
export const PATINA_PATS = '/patina/v1/personal-access-tokens';

/** The audit events of one type, oldest first, as the assertions of this folder read them. */
export async function auditOf(t: TestApp, type: string) {
  return (await t.auditEvents(type)).map((row) => ({
    targetId: row.target_id,
    actorId: row.actor_id,
    outcome: row.outcome,
    sourceIp: row.source_ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}

/** A USER identity with its login PAT, and a second PAT `deploy` it owns (my-read scope only). */
export async function userWithPat(t: TestApp, login = 'ulf') {
  const user = await t.user({ name: `User ${login}`, login });
  const pat = await t.mintPat(user.identity.id, {
    name: 'deploy',
    scope: ['sp:my-personal-access-tokens:read'],
  });
  return { user, pat };
}

/** Whether the PAT's row is still live (not deleted or revoked). */
export async function isLive(t: TestApp, id: string): Promise<boolean> {
  const row = await t.storage.db
    .selectFrom('personal_access_tokens')
    .select(['deleted_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.deleted_at === null;
}
