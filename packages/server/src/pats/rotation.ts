import { refuseDelegated } from '../access/authorize.js';
import { isIdShaped } from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { notFoundById } from '../core/errors.js';
import type { Storage } from '../storage/repositories.js';
import { makeSecret, type SecretDigester } from '../tokens/secret.js';
import type { PersonalAccessToken } from './model.js';
import { authorizeChange } from './pat-access.js';

/**
 * Secret rotation without downtime (docs/rules.md, "Lifecycle"): a new secret for the same PAT,
 * so only the secret changes in the client's configuration. The old secret keeps working beside
 * the new one for the grace window asked for, then is refused like any wrong secret; its digest
 * is kept, so a late use of it is recognised as a reuse. Rotating again ends an earlier grace at
 * once: at most two secrets are ever live.
 */
export class PatRotation {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      digester: SecretDigester;
    },
  ) {}

  async rotate(
    ctx: RequestContext,
    id: string,
    options: { gracePeriodSeconds: number },
  ): Promise<{ pat: PersonalAccessToken; secret: string }> {
    refuseDelegated(ctx, 'Rotating a personal access token');
    const { storage, clock } = this.deps;
    const found = isIdShaped(id) ? await storage.repos.pats.findLive(id) : undefined;
    const pat = authorizeChange(ctx, id, found, 'rotate');
    const now = clock.now();
    const grace = options.gracePeriodSeconds;
    const previousValidUntil =
      grace > 0 ? new Date(now.getTime() + grace * 1000).toISOString() : null;
    const secret = makeSecret();
    const { digest, version } = this.deps.digester.digest(secret);
    await storage.transaction(async (repos) => {
      const rotated = await repos.patLifecycle.rotateSecret(pat.id, {
        digest,
        version,
        rotatedAt: now.toISOString(),
        previousValidUntil,
      });
      if (!rotated) throw notFoundById('Personal access token', id);
      await this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_ROTATED',
        // The rotation's own instant: the SET's event_timestamp and the stored rotated_at are
        // then the same second, so Patina and @patina/verify retire the same tokens.
        at: now,
        context: ctx.audit,
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
        details: {
          ownerId: pat.ownerId,
          gracePeriodSeconds: grace,
          previousSecretValidUntil: previousValidUntil,
          selfRotation: ctx.actor.kind === 'user' && ctx.actor.patId === pat.id,
        },
      });
    });
    return {
      pat: { ...pat, rotatedAt: now.toISOString(), previousSecretValidUntil: previousValidUntil },
      secret,
    };
  }
}
