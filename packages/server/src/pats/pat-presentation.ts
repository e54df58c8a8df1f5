import { MAX_LAST_USED_FROM, type PatWarning } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';
import type { Storage } from '../storage/repositories.js';
import type { PatinaPersonalAccessToken, PersonalAccessToken } from './model.js';
import { scopeWarnings } from './pat-warnings.js';
import { patStatus } from './status.js';

/**
 * What the Patina PAT resource shows beyond the stored PAT, for PATs the caller may already see:
 * its status now, the addresses it was last used from, and warnings after a create or change.
 */
export class PatPresentation {
  constructor(
    private readonly deps: { storage: Storage; rights: RightsModel; clock: Clock; policy: Policy },
  ) {}

  /** Status now, and the last addresses each was used from. */
  async describe(pats: readonly PersonalAccessToken[]): Promise<PatinaPersonalAccessToken[]> {
    const now = this.deps.clock.now();
    const sources = await this.deps.storage.repos.patUseSources.forPats(pats.map((p) => p.id));
    return pats.map((pat) => ({
      ...pat,
      status: patStatus(pat.expirationDate, now, this.deps.policy.expiringSoonDays),
      lastUsedFrom: (sources.get(pat.id) ?? []).slice(0, MAX_LAST_USED_FROM),
    }));
  }

  /** What the caller of a create or change should know about `pat` (pat-warnings.ts). */
  async warningsFor(pat: PersonalAccessToken): Promise<PatWarning[]> {
    const owner = await this.deps.storage.repos.identities.findById(pat.ownerId);
    if (!owner) return [];
    const { rights } = this.deps;
    return scopeWarnings(pat.scope, rights.rightsOf(owner), rights);
  }
}
