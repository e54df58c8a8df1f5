import {
  TRUST_POLICY_ID_PREFIX,
  type CreateTrustPolicyRequest,
  type TrustPolicy,
  type TrustPolicyMergePatch,
} from '@patina/contract';
import { authorize, refuseDelegated } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { illegalValue, notFound, requiredMissing } from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import { randomHexId } from '../core/ids.js';
import { echo } from '../core/redact.js';
import type { RightsModel } from '../identities/rights.js';
import { checkUrl, UrlRefused, type UrlPolicy } from '../notifications/ssrf-guard.js';
import { checkScope } from '../pats/create-input.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type {
  TrustConditions,
  TrustPolicyChanges,
  TrustPolicyRecord,
} from '../storage/trust-policies-repository.js';
import { pinsAWorkload, ANCHOR_CLAIMS } from './conditions.js';
import { fillTemplate } from './templates.js';

const MANAGING = 'Managing trust policies';
const READING = 'Reading trust policies';
export const DEFAULT_FEDERATED_TOKEN_LIFETIME_SECONDS = 900;

/** Changes that alter what a policy lets in: the access tokens it issued before them end. */
const NARROWING: (keyof TrustPolicyMergePatch)[] = [
  'issuer',
  'jwksUri',
  'audience',
  'conditions',
  'identityId',
  'scope',
  // Bearer tokens it issued before are not bound: they end when binding becomes the rule.
  'requireDpop',
];

/**
 * Trust policies (docs/federation.md): an administrator's feature, read with all-read and changed
 * with all-manage. Every change is audited; a disable, a delete or a change of what the policy
 * lets in ends the access tokens it issued before, on every node and at every resource server
 * that follows Patina's Shared Signals.
 */
export class TrustPolicyService {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      rights: RightsModel;
      /** federation.allowHttp / allowPrivateNetworks: where issuers and key sets may be. */
      urls: Pick<UrlPolicy, 'allowHttp' | 'allowPrivateNetworks'>;
      /** The audience a policy requires when it names none: Patina's issuer URL. */
      defaultAudience: string;
    },
  ) {}

  async create(ctx: RequestContext, input: CreateTrustPolicyRequest): Promise<TrustPolicy> {
    authorize(ctx, 'manageAll', MANAGING);
    refuseDelegated(ctx, 'Creating a trust policy');
    const { issuer, conditions } = this.#issuerAndConditions(input);
    const now = this.deps.clock.now().toISOString();
    const record: TrustPolicyRecord = {
      id: TRUST_POLICY_ID_PREFIX + randomHexId(),
      name: this.#name(input.name),
      issuer,
      jwksUri: input.jwksUri === undefined ? null : this.#url('jwksUri', input.jwksUri),
      audience: input.audience ?? this.deps.defaultAudience,
      conditions,
      identityId: input.identityId,
      scope: checkScope(input.scope, this.deps.rights),
      maxTokenLifetimeSeconds:
        input.maxTokenLifetimeSeconds ?? DEFAULT_FEDERATED_TOKEN_LIFETIME_SECONDS,
      enabled: input.enabled ?? true,
      requireDpop: input.requireDpop ?? false,
      template: input.template ?? null,
      lastUsed: null,
      tokensNotBefore: null,
      created: now,
      modified: now,
    };
    const identityName = await this.deps.storage.transaction(async (repos) => {
      const name = await this.#identityName(repos, record.identityId);
      await repos.trustPolicies.insert(record);
      await this.deps.audit.record(repos, {
        type: 'TRUST_POLICY_CREATED',
        context: ctx.audit,
        target: { type: 'TRUST_POLICY', id: record.id, name: record.name },
        details: {
          issuer: record.issuer,
          identityId: record.identityId,
          scope: record.scope,
          conditions: record.conditions,
          enabled: record.enabled,
        },
      });
      return name;
    });
    return present(record, identityName);
  }

  async list(ctx: RequestContext, page: { limit: number; offset: number; withTotal: boolean }) {
    authorize(ctx, 'readAll', READING);
    const repos = this.deps.storage.repos;
    const records = await repos.trustPolicies.list(page);
    const items = await Promise.all(
      records.map(async (r) => present(r, await this.#identityNameOrNull(repos, r.identityId))),
    );
    return { items, total: page.withTotal ? await repos.trustPolicies.count() : undefined };
  }

  async get(ctx: RequestContext, id: string): Promise<TrustPolicy> {
    authorize(ctx, 'readAll', READING);
    const repos = this.deps.storage.repos;
    const record = await this.#find(repos, id);
    return present(record, await this.#identityNameOrNull(repos, record.identityId));
  }

  async update(
    ctx: RequestContext,
    id: string,
    patch: TrustPolicyMergePatch,
  ): Promise<TrustPolicy> {
    authorize(ctx, 'manageAll', MANAGING);
    refuseDelegated(ctx, 'Changing a trust policy');
    const now = this.deps.clock.now().toISOString();
    return this.deps.storage.transaction(async (repos) => {
      const before = await this.#find(repos, id);
      const changes: TrustPolicyChanges = {
        modified: now,
        ...(patch.name !== undefined && { name: this.#name(patch.name) }),
        ...(patch.issuer !== undefined && { issuer: this.#url('issuer', patch.issuer) }),
        ...(patch.jwksUri !== undefined && {
          jwksUri: patch.jwksUri === null ? null : this.#url('jwksUri', patch.jwksUri),
        }),
        ...(patch.audience !== undefined && { audience: patch.audience }),
        ...(patch.conditions !== undefined && {
          conditions: this.#conditions(patch.conditions),
        }),
        ...(patch.identityId !== undefined && { identityId: patch.identityId }),
        ...(patch.scope !== undefined && { scope: checkScope(patch.scope, this.deps.rights) }),
        ...(patch.maxTokenLifetimeSeconds !== undefined && {
          maxTokenLifetimeSeconds: patch.maxTokenLifetimeSeconds,
        }),
        ...(patch.enabled !== undefined && { enabled: patch.enabled }),
        ...(patch.requireDpop !== undefined && { requireDpop: patch.requireDpop }),
      };
      const changed = (Object.keys(changes) as (keyof TrustPolicyChanges)[]).filter(
        (field) =>
          field !== 'modified' &&
          canonicalJson(changes[field]) !== canonicalJson(before[field as keyof TrustPolicyRecord]),
      );
      const disabled = before.enabled && changes.enabled === false;
      const narrowed = changed.some((field) =>
        NARROWING.includes(field as keyof TrustPolicyMergePatch),
      );
      if (disabled || narrowed) changes.tokensNotBefore = now;
      const identityName = await this.#identityName(repos, changes.identityId ?? before.identityId);
      await repos.trustPolicies.update(id, changes);
      const after: TrustPolicyRecord = { ...before, ...changes };
      if (changed.length > 0) {
        await this.deps.audit.record(repos, {
          type: 'TRUST_POLICY_UPDATED',
          context: ctx.audit,
          target: { type: 'TRUST_POLICY', id, name: after.name },
          details: {
            changed,
            enabled: after.enabled,
            // What the Shared Signals transmitter tells resource servers (ssf/events.ts).
            endsTokens: disabled ? 'revoke' : narrowed ? 'update' : null,
          },
        });
      }
      return present(after, identityName);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    authorize(ctx, 'manageAll', MANAGING);
    await this.deps.storage.transaction(async (repos) => {
      const record = await this.#find(repos, id);
      await repos.trustPolicies.delete(id);
      await this.deps.audit.record(repos, {
        type: 'TRUST_POLICY_DELETED',
        context: ctx.audit,
        target: { type: 'TRUST_POLICY', id, name: record.name },
        details: { issuer: record.issuer, identityId: record.identityId },
      });
    });
  }

  #issuerAndConditions(input: CreateTrustPolicyRequest): {
    issuer: string;
    conditions: TrustConditions;
  } {
    if (input.template === undefined) {
      if (input.templateParameters !== undefined) {
        throw illegalValue(
          'templateParameters',
          "'templateParameters' needs a 'template' (github-actions, gitlab-ci or kubernetes)",
        );
      }
      if (input.issuer === undefined) throw requiredMissing('issuer');
      if (input.conditions === undefined) throw requiredMissing('conditions');
      return {
        issuer: this.#url('issuer', input.issuer),
        conditions: this.#conditions(input.conditions),
      };
    }
    if (input.issuer !== undefined) {
      throw illegalValue(
        'issuer',
        `'issuer' comes from the ${input.template} template; leave it out (a self-managed GitLab or a cluster's issuer goes in templateParameters.issuer)`,
      );
    }
    const fill = fillTemplate(input.template, input.templateParameters ?? {});
    for (const claim of Object.keys(input.conditions ?? {})) {
      if (Object.hasOwn(fill.conditions, claim)) {
        throw illegalValue(
          `conditions.${claim}`,
          `'conditions.${claim}' is set by the ${input.template} template from its parameters`,
        );
      }
    }
    return {
      issuer: this.#url('issuer', fill.issuer),
      conditions: this.#conditions({ ...fill.conditions, ...input.conditions }),
    };
  }

  #conditions(conditions: TrustConditions): TrustConditions {
    if (!pinsAWorkload(conditions)) {
      throw illegalValue(
        'conditions',
        `'conditions' must pin one workload: a value (not only wildcards) for sub or one of ${ANCHOR_CLAIMS.slice(1).join(', ')}. A policy without one trusts every job the issuer signs for`,
      );
    }
    return conditions;
  }

  #url(field: 'issuer' | 'jwksUri', raw: string): string {
    try {
      const url = checkUrl(raw, {
        ...this.deps.urls,
        naming: {
          field,
          settings: 'federation',
          example: 'https://token.actions.githubusercontent.com',
        },
      });
      if (url.search !== '' || url.hash !== '') {
        throw new UrlRefused(`'${field}' must not have a query or a fragment`);
      }
      return raw;
    } catch (error) {
      if (error instanceof UrlRefused) throw illegalValue(field, error.message);
      throw error;
    }
  }

  #name(raw: string): string {
    const name = cleanText('name', raw).trim();
    if (name === '') throw requiredMissing('name');
    return name;
  }

  async #identityName(repos: Repositories, identityId: string): Promise<string> {
    const identity = await repos.identities.findById(identityId);
    if (!identity) {
      throw illegalValue('identityId', `'identityId' names no identity: '${echo(identityId)}'`);
    }
    return identity.name;
  }

  async #identityNameOrNull(repos: Repositories, identityId: string): Promise<string | null> {
    return (await repos.identities.findById(identityId))?.name ?? null;
  }

  async #find(repos: Repositories, id: string): Promise<TrustPolicyRecord> {
    const record = await repos.trustPolicies.find(id);
    if (!record) {
      throw notFound(
        /^tp_[0-9a-f]{32}$/.test(id)
          ? `Trust policy '${id}' was not found`
          : 'Trust policy was not found: the id is tp_ and 32 lowercase hex characters',
      );
    }
    return record;
  }
}

/** JSON with object keys in order: the same conditions in another order are no change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function present(record: TrustPolicyRecord, identityName: string | null): TrustPolicy {
  return {
    id: record.id,
    name: record.name,
    issuer: record.issuer,
    jwksUri: record.jwksUri,
    audience: record.audience,
    conditions: record.conditions,
    identityId: record.identityId,
    identityName,
    scope: record.scope,
    maxTokenLifetimeSeconds: record.maxTokenLifetimeSeconds,
    requireDpop: record.requireDpop,
    enabled: record.enabled,
    template: record.template,
    lastUsed: record.lastUsed,
    created: record.created,
    modified: record.modified,
  };
}
