import { sql, type Kysely } from 'kysely';

/**
 * Every failure reason of the audit trail in one casing, lower snake case (docs/decisions.md,
 * "Token lifecycle"): the two first recorded in upper case are rewritten in the failed-use rows
 * that carry them. `details` is the JSON text the audit log wrote (JSON.stringify, no spaces).
 */
const RENAMED: readonly (readonly [string, string])[] = [
  ['ROTATED_SECRET_REUSED', 'rotated_secret_reused'],
  ['IP_NOT_ALLOWED', 'ip_not_allowed'],
];

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [from, to] of RENAMED) {
    await rename(db, `"reason":"${from}"`, `"reason":"${to}"`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [from, to] of RENAMED) {
    await rename(db, `"reason":"${to}"`, `"reason":"${from}"`);
  }
}

async function rename(db: Kysely<any>, from: string, to: string): Promise<void> {
  await db
    .updateTable('audit_events')
    .set({ details: sql`replace(details, ${from}, ${to})` })
    .where('type', '=', 'PERSONAL_ACCESS_TOKEN_USE_FAILED')
    .where('details', 'like', `%${from}%`)
    .execute();
}
