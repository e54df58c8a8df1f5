import { isIdShaped } from '@patina/contract';
import { addressKey } from '../core/cidr.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import { isAllowedFrom } from '../pats/allowed-cidrs.js';
import { patRefusal, type PatCredentialRecord } from '../pats/model.js';
import { revokePat } from '../pats/revoke.js';
import type { UsageCounter } from '../pats/usage-counter.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { SecretDigester } from '../tokens/secret.js';
import type { Metrics } from '../metrics/metrics.js';
import { badClientCredentials, tooManyAttempts } from './errors.js';
import type { FailureThrottle } from './failure-throttle.js';
import type { RepeatedFailures } from './repeated-failures.js';
import { keyPart } from '../storage/redis.js';
import { NO_TRACING, SPAN_NAMES, type Tracing } from '../tracing/tracing.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  context: AuditContext;
  /** Which endpoint asked, for the audit trail of a failure. */
  endpoint: 'token' | 'introspect' | 'revoke';
}

export type FailureReason =
  | 'unknown_client'
  | 'wrong_secret'
  | 'expired'
  | 'deleted'
  | 'revoked'
  | 'owner_disabled'
  /** The secret before the last rotation, after its grace window ended. */
  | 'rotated_secret_reused'
  /** The right secret, from outside the PAT's allowedCidrs. */
  | 'ip_not_allowed';

export interface ClientAuthenticatorDeps {
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
  digester: SecretDigester;
  throttle: FailureThrottle;
  /** Shares one audit row among identical failures of a minute. */
  repeated: RepeatedFailures;
  policy: Pick<Policy, 'onRotatedSecretReuse'>;
  /** Counts the failure throttle locking a client id or an address. */
  metrics?: Pick<Metrics, 'failureThrottleEngaged'>;
  /** A span per authentication, its outcome the audit reason (docs/operations.md, "Traces"). */
  tracing?: Pick<Tracing, 'span' | 'annotate'>;
  /** Counts a refused exchange (token endpoint) of an existing PAT in its usage history. */
  usage?: Pick<UsageCounter, 'failed'>;
}

/**
 * Failures anyone can cause with a client id alone (no secret, or a wrong one), and a rotated
 * secret sent again after its grace (its first use from an address is the incident; the rest add
 * nothing): these are throttled. The others needed the right secret and are always answered and
 * audited as themselves.
 */
const THROTTLED_REASONS: ReadonlySet<FailureReason> = new Set([
  'unknown_client',
  'wrong_secret',
  'deleted',
  'revoked',
  'rotated_secret_reused',
]);

/**
 * Authenticates a PAT as an OAuth client (token, introspection and revocation endpoints). Every
 * failure does the same work (one read, one HMAC, one audit write) and gets the same answer
 * (docs/rules.md, "The token endpoint"); only the audit event says which it was. The throttle is
 * asked only after a failure, so a correct secret is never refused because of others' failures
 * (docs/decisions.md, "Throttling failed exchanges").
 */
export class ClientAuthenticator {
  constructor(private readonly deps: ClientAuthenticatorDeps) {}

  authenticate(credentials: ClientCredentials): Promise<PatCredentialRecord> {
    const tracing = this.deps.tracing ?? NO_TRACING;
    return tracing.span(
      SPAN_NAMES.clientAuthentication,
      { 'patina.oauth.endpoint': credentials.endpoint },
      () => this.#authenticate(credentials),
    );
  }

  async #authenticate(credentials: ClientCredentials): Promise<PatCredentialRecord> {
    const { digester, clock } = this.deps;
    const record = await this.deps.storage.repos.patCredentials.findCredential(
      credentials.clientId,
    );
    // The same work whether or not the PAT exists and has a previous secret: placeholders stand
    // in for what is missing (SecretDigester.matchesEither).
    const matched = digester.matchesEither(
      credentials.clientSecret,
      record
        ? { digest: record.secretDigest, version: record.digestVersion }
        : { digest: digester.placeholderDigest, version: 1 },
      record?.previousSecret ?? null,
    );
    if (!record) return this.#fail(credentials, undefined, 'unknown_client');
    const now = clock.now().toISOString();
    // A deleted PAT is reported as deleted whatever the secret; otherwise the secret comes first.
    const refusal = patRefusal(record, now);
    if (refusal === 'deleted' || refusal === 'revoked') {
      return this.#fail(credentials, record, refusal);
    }
    if (matched === null) return this.#fail(credentials, record, 'wrong_secret');
    if (matched === 'previous' && !withinGrace(record, now)) {
      return this.#fail(credentials, record, 'rotated_secret_reused');
    }
    if (refusal) return this.#fail(credentials, record, refusal);
    // docs/rules.md, "Lifecycle": the right secret from the wrong place is still refused.
    const sourceIp = credentials.context.sourceIp;
    if (
      record.allowedCidrs !== null &&
      (sourceIp === null || !isAllowedFrom(record.allowedCidrs, sourceIp))
    ) {
      return this.#fail(credentials, record, 'ip_not_allowed');
    }
    await this.deps.throttle.recordSuccess(source(credentials));
    this.deps.tracing?.annotate({ 'patina.client_authentication.outcome': 'success' });
    return matched === 'previous' ? untilGraceEnd(record, clock.now()) : record;
  }

  async #fail(
    credentials: ClientCredentials,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<never> {
    this.deps.tracing?.annotate({ 'patina.client_authentication.outcome': reason });
    // Usage history: only a client id that names a PAT (the record is already read), and only
    // exchanges; a throttled refusal counts too, it is one all the same.
    if (record && credentials.endpoint === 'token') this.deps.usage?.failed(record.id);
    if (THROTTLED_REASONS.has(reason)) {
      const retryAfter = await this.deps.throttle.retryAfterSeconds(source(credentials));
      if (retryAfter > 0) {
        // Not audited one by one: a flood of these would fill the audit table. The failures
        // that set the throttle were audited, and the throttle bounds how many there are. A
        // reused rotated secret is still counted (one row a minute at most): the throttle, set
        // by other failures from its address, must not hide the incident.
        if (reason === 'rotated_secret_reused') {
          await this.#recordFailure(credentials, record, reason);
        }
        this.deps.tracing?.annotate({ 'patina.client_authentication.outcome': 'throttled' });
        throw tooManyAttempts(retryAfter);
      }
      const engaged = await this.deps.throttle.recordFailure(source(credentials));
      for (let i = 0; i < engaged; i++) this.deps.metrics?.failureThrottleEngaged();
    }
    await this.#recordFailure(credentials, record, reason);
    throw badClientCredentials(reason);
  }

  async #recordFailure(
    credentials: ClientCredentials,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<void> {
    // An unknown client id is not echoed unless it has an id's shape: people paste secrets
    // into the wrong field.
    const id = record?.id ?? (isIdShaped(credentials.clientId) ? credentials.clientId : null);
    const target = { type: 'PERSONAL_ACCESS_TOKEN' as const, id, name: record?.name ?? null };
    const write = () =>
      this.deps.storage.transaction(async (repos) => {
        const event = await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_USE_FAILED',
          context: credentials.context,
          outcome: 'FAILURE',
          target,
          details: {
            reason,
            ...(record && { ownerId: record.ownerId }),
            ...(credentials.endpoint !== 'token' && { endpoint: credentials.endpoint }),
          },
        });
        if (reason === 'rotated_secret_reused' && record) {
          await this.#onReuse(repos, credentials, record);
        }
        return event.id;
      });
    // Every failure repeats as one row per client id, address and minute, with a count (the row
    // names the first address; an IPv6 client is keyed by its /64, as the throttle keys it, so
    // walking through a /64 makes no more rows); a reused rotated secret raises its incident at
    // most once per PAT and address (#onReuse).
    const key = [
      reason,
      credentials.endpoint,
      keyPart(credentials.clientId),
      addressKey(credentials.context.sourceIp),
    ].join(' ');
    await this.deps.repeated.note(key, write);
  }

  /**
   * A secret retired by a rotation came back after its grace window: whoever sent it kept a copy
   * the owner thought was gone. The first time from an address is the incident, an event (told
   * by mail and webhook); later ones from there are only the merged failure rows, so a client
   * retrying a stale secret does not flood the owner. With
   * `policy.onRotatedSecretReuse: revoke` the PAT is revoked too, as the secret must be assumed
   * to be in other hands.
   */
  async #onReuse(
    repos: Repositories,
    credentials: ClientCredentials,
    record: PatCredentialRecord,
  ): Promise<void> {
    const revoke = this.deps.policy.onRotatedSecretReuse === 'revoke';
    // The owner's row lock: two nodes (or requests) seeing the same reuse at once record it once.
    await repos.identities.lockForUpdate(record.ownerId);
    // Incidents raised since the rotation, from which addresses: one per address (an IPv6 client
    // by its /64), and at most MAX_REUSE_INCIDENTS in all, so many addresses cannot flood the
    // owner either.
    const raisedFrom = await repos.audit.sourcesOf({
      type: 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED',
      targetId: record.id,
      since: record.rotatedAt ?? '',
      limit: MAX_REUSE_INCIDENTS,
    });
    const key = addressKey(credentials.context.sourceIp);
    if (
      raisedFrom.length < MAX_REUSE_INCIDENTS &&
      !raisedFrom.some((address) => addressKey(address) === key)
    ) {
      await this.#raiseReuse(repos, credentials, record, revoke);
    }
    if (!revoke) return;
    await revokePat(repos, this.deps.audit, {
      pat: record,
      reason: 'REUSED',
      now: this.deps.clock.now().toISOString(),
      context: credentials.context,
    });
  }

  async #raiseReuse(
    repos: Repositories,
    credentials: ClientCredentials,
    record: PatCredentialRecord,
    revoke: boolean,
  ): Promise<void> {
    await this.deps.audit.record(repos, {
      type: 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED',
      context: credentials.context,
      target: { type: 'PERSONAL_ACCESS_TOKEN', id: record.id, name: record.name },
      details: {
        ownerId: record.ownerId,
        previousSecretValidUntil: record.previousSecret?.validUntil ?? null,
        action: revoke ? 'revoke' : 'alert',
      },
    });
  }
}

/**
 * Incidents (mail, webhook) one rotation's old secret may raise, from as many addresses: past
 * that, reuses are only the merged failure rows. Ten tell the owner the secret is in several
 * hands; more would tell nothing new.
 */
export const MAX_REUSE_INCIDENTS = 10;

function source(credentials: ClientCredentials) {
  return { clientId: credentials.clientId, sourceIp: credentials.context.sourceIp };
}

/**
 * The record as the previous secret may use it inside its grace: an access token it earns expires
 * when the grace ends (exp at the grace end's second), so nothing the old secret obtains outlives
 * it (docs/rules.md, "Lifecycle"). Tokens it got before the rotation are the bearer check's to
 * refuse (retiredByRotation).
 */
function untilGraceEnd(record: PatCredentialRecord, now: Date): PatCredentialRecord {
  const graceEndMs = Date.parse(record.previousSecret?.validUntil ?? '');
  const leftSeconds = Math.floor(graceEndMs / 1000) - Math.floor(now.getTime() / 1000);
  return {
    ...record,
    accessTokenValiditySeconds: Math.max(
      1,
      Math.min(record.accessTokenValiditySeconds, leftSeconds),
    ),
  };
}

/** Whether the previous secret is still inside the grace window its rotation gave it. */
function withinGrace(record: PatCredentialRecord, now: string): boolean {
  const until = record.previousSecret?.validUntil ?? null;
  return until !== null && now < until;
}
