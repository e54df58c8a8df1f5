import type { PatUseSource } from '@patina/contract';
import type { Db } from './database.js';

/**
 * Where PATs were exchanged from: one row per PAT and address, each written at most once a
 * minute (a conditional upsert), and only the newest `keep` addresses of a PAT kept.
 */
export class PatUseSourcesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Notes that `patId` was used from `ip` at `at`, unless that address was noted after
   * `notAfter`. True when it wrote (and then pruned the PAT's older addresses beyond `keep`).
   */
  async note(use: {
    patId: string;
    ip: string;
    userAgent: string | null;
    at: string;
    notAfter: string;
    keep: number;
  }): Promise<boolean> {
    const result = await this.db
      .insertInto('pat_use_sources')
      .values({ pat_id: use.patId, ip: use.ip, user_agent: use.userAgent, at: use.at })
      .onConflict((oc) =>
        oc
          .columns(['pat_id', 'ip'])
          .doUpdateSet({ user_agent: use.userAgent, at: use.at })
          .where('pat_use_sources.at', '<=', use.notAfter),
      )
      .executeTakeFirst();
    if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
    const kept = this.db
      .selectFrom('pat_use_sources')
      .select('ip')
      .where('pat_id', '=', use.patId)
      .orderBy('at', 'desc')
      .orderBy('ip')
      .limit(use.keep);
    await this.db
      .deleteFrom('pat_use_sources')
      .where('pat_id', '=', use.patId)
      .where('ip', 'not in', kept)
      .execute();
    return true;
  }

  /** The addresses of each PAT, newest first. */
  async forPats(patIds: readonly string[]): Promise<Map<string, PatUseSource[]>> {
    const found = new Map<string, PatUseSource[]>();
    if (patIds.length === 0) return found;
    const rows = await this.db
      .selectFrom('pat_use_sources')
      .selectAll()
      .where('pat_id', 'in', patIds)
      .orderBy('pat_id')
      .orderBy('at', 'desc')
      .orderBy('ip')
      .execute();
    for (const row of rows) {
      const list = found.get(row.pat_id) ?? [];
      list.push({ ip: row.ip, userAgent: row.user_agent, at: row.at });
      found.set(row.pat_id, list);
    }
    return found;
  }
}
