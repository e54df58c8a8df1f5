import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A PAT that issues DPoP-bound tokens only (RFC 9449): an exchange without a proof is refused,
  // and its tokens are taken only with a proof by their key.
  await db.schema
    .alterTable('personal_access_tokens')
    .addColumn('require_dpop', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('personal_access_tokens').dropColumn('require_dpop').execute();
}
