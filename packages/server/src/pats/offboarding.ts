import type { Identity, OffboardResponse } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { notFoundById } from '../core/errors.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { revokePat } from './revoke.js';

/**
 * Offboarding (docs/rules.md, "Lifecycle"): when someone leaves, every PAT their identity owns,
 * managed ones too, is revoked, and the identity disabled unless asked not to, in one
 * transaction. A dry run reads the same and writes nothing, not even an audit event.
 */
export class Offboarding {
  constructor(private readonly deps: { storage: Storage; audit: AuditLog; clock: Clock }) {}

  async offboard(
    ctx: RequestContext,
    identityId: string,
    options: { dryRun: boolean; disable: boolean },
  ): Promise<OffboardResponse> {
    authorize(ctx, 'manageAll', 'Offboarding an identity');
    const { storage, audit, clock } = this.deps;
    if (options.dryRun) return (await this.#plan(storage.repos, identityId, options)).answer;
    return storage.transaction(async (repos) => {
      // The identity's row lock keeps a PAT from being made for it while this runs.
      if (!(await repos.identities.lockForUpdate(identityId))) {
        throw notFoundById('Identity', identityId);
      }
      const { answer, identity } = await this.#plan(repos, identityId, options);
      const now = clock.now().toISOString();
      for (const pat of answer.revoked) {
        await revokePat(repos, audit, {
          pat: { ...pat, ownerId: identityId },
          reason: 'OFFBOARDED',
          now,
          context: ctx.audit,
        });
      }
      const disabling = options.disable && identity.status !== 'DISABLED';
      if (disabling) {
        await repos.identities.update(identityId, { status: 'DISABLED', modified: now });
      }
      await audit.record(repos, {
        type: 'IDENTITY_OFFBOARDED',
        context: ctx.audit,
        target: { type: 'IDENTITY', id: identityId, name: identity.name },
        details: {
          revoked: answer.revoked.map((pat) => pat.id),
          disabled: answer.disabled,
          ...(disabling && { status: 'DISABLED' }),
        },
      });
      return answer;
    });
  }

  /** What an offboarding of the identity would do now: the same read for a dry run and a real one. */
  async #plan(
    repos: Repositories,
    identityId: string,
    options: { dryRun: boolean; disable: boolean },
  ): Promise<{ answer: OffboardResponse; identity: Identity }> {
    const identity = await repos.identities.findById(identityId);
    if (!identity) throw notFoundById('Identity', identityId);
    const pats = await repos.patLifecycle.liveOfOwner(identityId);
    const answer: OffboardResponse = {
      identityId,
      dryRun: options.dryRun,
      disabled: options.disable || identity.status === 'DISABLED',
      revoked: pats.map(({ id, name, managed }) => ({ id, name, managed })),
    };
    return { answer, identity };
  }
}
