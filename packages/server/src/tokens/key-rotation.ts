import { type SigningAlgorithm } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import type { SigningKeys, VerificationKey } from './signing-keys.js';
import { DAY_MS } from '../core/time.js';

const ROTATING = 'Rotating signing keys';

/** Public facts about a signing key, for the admin API and the CLI. */
export interface SigningKeyInfo {
  kid: string;
  alg: SigningAlgorithm;
  created: string;
  /** `signing` signs new tokens; `verifying` is retired but still published; `expired` is neither. */
  status: 'signing' | 'verifying' | 'expired';
  verifyUntil: string | null;
}

/**
 * Key rotation with overlap: a new key signs from now on; the old one stays published until the
 * longest-lived token it can have signed has expired (policy accessTokenValiditySeconds.max).
 */
export class KeyRotation {
  constructor(
    private readonly deps: {
      keys: SigningKeys;
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      /** The algorithm of new keys, unless a rotation names one. */
      algorithm: SigningAlgorithm;
      /** Scheduled rotation: a new key when the current one is older than this; null: never. */
      rotateAfterDays: number | null;
      /** How long a retired key stays published: the longest anything it signed stays valid. */
      overlapSeconds: number;
      /** What the keys sign, named in the audit event when they are not the access tokens' keys. */
      purpose?: 'security-events';
    },
  ) {}

  async rotate(ctx: RequestContext, algorithm?: SigningAlgorithm): Promise<SigningKeyInfo> {
    authorize(ctx, 'manageAll', ROTATING);
    const key = await this.#rotate(ctx, algorithm);
    if (!key) throw new Error('The new signing key was not stored');
    return this.#info(key);
  }

  async #rotate(
    ctx: RequestContext,
    algorithm?: SigningAlgorithm,
    onlyIfCreatedBy?: string,
  ): Promise<VerificationKey | undefined> {
    const alg = algorithm ?? this.deps.algorithm;
    const previous = this.deps.keys.current().kid;
    return this.deps.keys.rotate({
      onlyIfCreatedBy,
      algorithm: alg,
      overlapSeconds: this.deps.overlapSeconds,
      alongside: async (repos, kid) => {
        await this.deps.audit.record(repos, {
          type: 'SIGNING_KEY_ROTATED',
          context: ctx.audit,
          target: { type: 'SIGNING_KEY', id: kid, name: alg },
          details: {
            previousKid: previous,
            algorithm: alg,
            ...(this.deps.purpose && { purpose: this.deps.purpose }),
          },
        });
      },
    });
  }

  /** Scheduled rotation: rotates when the signing key is older than `signing.rotateAfterDays`. */
  async rotateIfDue(ctx: RequestContext): Promise<SigningKeyInfo | undefined> {
    authorize(ctx, 'manageAll', ROTATING);
    const days = this.deps.rotateAfterDays;
    if (days === null) return undefined;
    const current = this.deps.keys.find(this.deps.keys.current().kid);
    if (!current) return undefined;
    const cutoff = new Date(this.deps.clock.now().getTime() - days * DAY_MS).toISOString();
    if (current.created > cutoff) return undefined;
    // Every node may find it due at once; the check is repeated under the keys' lock.
    const key = await this.#rotate(ctx, undefined, cutoff);
    return key && this.#info(key);
  }

  async list(ctx: RequestContext): Promise<SigningKeyInfo[]> {
    authorize(ctx, 'readAll', 'Listing signing keys');
    await this.deps.keys.reload();
    return this.deps.keys.all().map((key) => this.#info(key));
  }

  #info(key: VerificationKey): SigningKeyInfo {
    const now = this.deps.clock.now().toISOString();
    return {
      kid: key.kid,
      alg: key.alg,
      created: key.created,
      status:
        key.verifyUntil === null ? 'signing' : key.verifyUntil > now ? 'verifying' : 'expired',
      verifyUntil: key.verifyUntil,
    };
  }
}
