import type { AuditContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import { isWellFormedSecret, type SecretDigester } from '../tokens/secret.js';
import { revokePat } from './revoke.js';

/**
 * Revocation of leaked secrets by their value (docs/leaked-secrets.md), as GitHub's credential
 * revocation API lets anyone do: whoever finds a secret can kill it, without knowing whose it is
 * or holding any credential. Strings that are not well-formed Patina secrets (prefix, length,
 * checksum) are skipped without a database read; each remaining one that is the current secret,
 * or the grace-window secret, of a live PAT revokes that PAT. Nothing is returned: the caller
 * learns nothing about which strings were real.
 */
export class LeakRevocation {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      digester: SecretDigester;
    },
  ) {}

  /** Revokes every live PAT one of `credentials` belongs to; returns how many (for tests). */
  async revoke(context: AuditContext, credentials: readonly string[]): Promise<number> {
    const secrets = [...new Set(credentials.filter(isWellFormedSecret))];
    if (secrets.length === 0) return 0;
    // Digests are keyed and deterministic, so a secret is found by its digest under each key.
    const digests = secrets.flatMap((secret) => this.deps.digester.lookupDigests(secret));
    const now = this.deps.clock.now().toISOString();
    return this.deps.storage.transaction(async (repos) => {
      let revoked = 0;
      for (const pat of await repos.patLifecycle.findLiveByDigests(digests, now)) {
        if (await revokePat(repos, this.deps.audit, { pat, reason: 'LEAKED', now, context })) {
          revoked++;
        }
      }
      return revoked;
    });
  }
}
