import {
  SSF_AUTHORIZATION_SCHEME,
  SSF_CAEP_EVENT_TYPES,
  SSF_DELIVERY_METHODS,
  SSF_DELIVERY_POLL,
  SSF_DELIVERY_PUSH,
  SSF_EVENTS,
  SSF_PATHS,
  SSF_SPEC_VERSION,
  type AddSubjectRequest,
  type CreateStreamRequest,
  type DeliveryRequest,
  type PollRequest,
  type PollResponse,
  type RemoveSubjectRequest,
  type SsfConfiguration,
  type StreamConfiguration,
  type StreamStatus,
  type UpdateStreamRequest,
  type UpdateStreamStatusRequest,
  type VerificationRequest,
} from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import { illegalValue, notFound, PatinaError } from '../core/errors.js';
import type { SealedBox } from '../core/sealed-box.js';
import {
  checkUrl,
  resolvePermitted,
  UrlRefused,
  type Resolve,
  type UrlPolicy,
} from '../notifications/ssrf-guard.js';
import type { Storage } from '../storage/repositories.js';
import type { StreamRecord } from '../storage/ssf-repository.js';
import { noteActivity } from './activity.js';
import { subjectKey, type SsfOutbox } from './outbox.js';
import type { SsfPoller } from './poller.js';
import { randomHexId } from '../core/ids.js';

const EVENTS_SUPPORTED: string[] = [...SSF_CAEP_EVENT_TYPES];

/**
 * Stream management (SSF 1.0 §8.1). A stream belongs to the client (the PAT) whose access token
 * made it: a caller sees and changes only its own client's streams, so two resource servers with
 * PATs of their own never read each other's events.
 */
export class StreamService {
  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      outbox: SsfOutbox;
      poller: SsfPoller;
      secrets: SealedBox;
      issuer: string;
      baseUrl: string;
      urlPolicy: UrlPolicy;
      /** How push hosts resolve: every address is checked, as for webhooks. */
      resolve: Resolve;
      minVerificationIntervalSeconds: number;
      /** SSF `inactivity_timeout`: answered in every stream's configuration. */
      inactivityTimeoutSeconds: number;
      limits: StreamLimits;
    },
  ) {}

  /** SSF 1.0 §7.1 transmitter configuration metadata. */
  configuration(): SsfConfiguration {
    const url = (path: string) => `${this.deps.baseUrl}${path}`;
    return {
      spec_version: SSF_SPEC_VERSION,
      issuer: this.deps.issuer,
      jwks_uri: url(SSF_PATHS.jwks),
      delivery_methods_supported: [...SSF_DELIVERY_METHODS],
      configuration_endpoint: url(SSF_PATHS.streams),
      status_endpoint: url(SSF_PATHS.status),
      add_subject_endpoint: url(SSF_PATHS.addSubject),
      remove_subject_endpoint: url(SSF_PATHS.removeSubject),
      verification_endpoint: url(SSF_PATHS.verify),
      authorization_schemes: [{ spec_urn: SSF_AUTHORIZATION_SCHEME }],
      default_subjects: 'ALL',
    };
  }

  async create(ctx: RequestContext, body: CreateStreamRequest): Promise<StreamConfiguration> {
    authorize(ctx, 'manageStreams', 'Creating a Shared Signals stream');
    const clientId = this.#clientOf(ctx);
    const id = randomHexId();
    const now = this.deps.clock.now().toISOString();
    const delivery = await this.#delivery(id, body.delivery ?? { method: SSF_DELIVERY_POLL });
    const stream: StreamRecord = {
      id,
      clientId,
      // The receiver is the client that made the stream: its SETs are addressed to it.
      audience: clientId,
      eventsRequested: body.events_requested ?? EVENTS_SUPPORTED,
      ...delivery,
      description: body.description ?? null,
      status: 'enabled',
      statusReason: null,
      lastVerification: null,
      lastActivityAt: now,
      created: now,
      modified: now,
    };
    this.#checkBudget(stream);
    const { maxStreamsPerClient, maxStreams } = this.deps.limits;
    await this.deps.storage.transaction(async (repos) => {
      // Every stream is a receiver Patina signs and sends for: what one client, and everyone,
      // can make it keep is bounded. The lock makes two creates count one after the other.
      await repos.ssf.lockStreams();
      if ((await repos.ssf.countStreams(clientId)) >= maxStreamsPerClient) {
        throw new PatinaError(
          'LIMIT_VIOLATION',
          `This client already has the maximum of ${maxStreamsPerClient} Shared Signals streams (ssf.maxStreamsPerClient)`,
        );
      }
      if ((await repos.ssf.countStreams()) >= maxStreams) {
        throw new PatinaError(
          'LIMIT_VIOLATION',
          `Patina already holds the maximum of ${maxStreams} Shared Signals streams (ssf.maxStreams)`,
        );
      }
      await repos.ssf.insertStream(stream);
    });
    return this.#view(stream);
  }

  /** One stream by id, or every stream of the caller's client (SSF 1.0 §8.1.1.2). */
  async read(
    ctx: RequestContext,
    streamId: string | undefined,
  ): Promise<StreamConfiguration | StreamConfiguration[]> {
    authorize(ctx, 'readStreams', 'Reading Shared Signals streams');
    if (streamId !== undefined) return this.#view(await this.#heard(ctx, streamId));
    const streams = await this.deps.storage.repos.ssf.listStreams(this.#clientOf(ctx));
    return streams.map((s) => this.#view(s));
  }

  /** PATCH (§8.1.1.3) changes what is sent; PUT (§8.1.1.4) replaces it, absent members reset. */
  async update(
    ctx: RequestContext,
    body: UpdateStreamRequest,
    mode: 'update' | 'replace',
  ): Promise<StreamConfiguration> {
    authorize(ctx, 'manageStreams', 'Changing a Shared Signals stream');
    const stream = await this.#heard(ctx, body.stream_id);
    const replace = mode === 'replace';
    const changes: Parameters<Storage['repos']['ssf']['updateStream']>[1] = {
      modified: this.deps.clock.now().toISOString(),
    };
    if (body.events_requested !== undefined || replace) {
      changes.eventsRequested = body.events_requested ?? EVENTS_SUPPORTED;
    }
    if (body.delivery !== undefined || replace) {
      Object.assign(
        changes,
        await this.#delivery(stream.id, body.delivery ?? { method: SSF_DELIVERY_POLL }),
      );
    }
    if (body.description !== undefined || replace) changes.description = body.description ?? null;
    this.#checkBudget({ ...stream, ...changes });
    await this.deps.storage.repos.ssf.updateStream(stream.id, changes);
    return this.#view(await this.#find(ctx, stream.id));
  }

  async delete(ctx: RequestContext, streamId: string): Promise<void> {
    authorize(ctx, 'manageStreams', 'Deleting a Shared Signals stream');
    const stream = await this.#find(ctx, streamId);
    await this.deps.storage.transaction((repos) => repos.ssf.deleteStream(stream.id));
  }

  async status(ctx: RequestContext, streamId: string): Promise<StreamStatus> {
    authorize(ctx, 'readStreams', 'Reading a Shared Signals stream’s status');
    return this.#status(await this.#heard(ctx, streamId));
  }

  /** §8.1.2.2: a new status, told to the receiver by a stream-updated event (§8.1.5). */
  async setStatus(ctx: RequestContext, body: UpdateStreamStatusRequest): Promise<StreamStatus> {
    authorize(ctx, 'manageStreams', 'Changing a Shared Signals stream’s status');
    const stream = await this.#heard(ctx, body.stream_id);
    const reason = body.reason ?? null;
    const updated = { ...stream, status: body.status, statusReason: reason };
    await this.deps.storage.transaction(async (repos) => {
      await repos.ssf.updateStream(stream.id, {
        status: body.status,
        statusReason: reason,
        modified: this.deps.clock.now().toISOString(),
      });
      // A disabled stream holds no events (SSF 1.0 §8.1.2): enabled again, it starts from now.
      if (stream.status === 'disabled' && body.status !== 'disabled') {
        await repos.ssf.moveCursorToHead(stream.id);
      }
      await this.deps.outbox.queueStreamEvent(
        repos,
        updated,
        {
          type: SSF_EVENTS.streamUpdated,
          subject: { format: 'opaque', id: stream.id },
          payload: { status: body.status, ...(reason !== null && { reason }) },
        },
        randomHexId(),
      );
    });
    return this.#status(updated);
  }

  /**
   * §8.1.4.2: a verification event carrying the receiver's `state`. At most one per
   * min_verification_interval per stream; sooner is a 429 with Retry-After.
   */
  async verify(ctx: RequestContext, body: VerificationRequest): Promise<void> {
    authorize(ctx, 'manageStreams', 'Verifying a Shared Signals stream');
    const stream = await this.#heard(ctx, body.stream_id);
    const now = this.deps.clock.now();
    const intervalMs = this.deps.minVerificationIntervalSeconds * 1000;
    const notAfter = new Date(now.getTime() - intervalMs).toISOString();
    await this.deps.storage.transaction(async (repos) => {
      if (
        !(await repos.ssf.claimVerification({ id: stream.id, now: now.toISOString(), notAfter }))
      ) {
        const last = Date.parse(stream.lastVerification ?? now.toISOString());
        const wait = Math.max(1, Math.ceil((last + intervalMs - now.getTime()) / 1000));
        throw new PatinaError(
          'RATE_LIMITED',
          `A stream may be verified once every ${this.deps.minVerificationIntervalSeconds} seconds`,
          { retryAfterSeconds: wait },
        );
      }
      await this.deps.outbox.queueStreamEvent(
        repos,
        stream,
        {
          type: SSF_EVENTS.verification,
          subject: { format: 'opaque', id: stream.id },
          payload: body.state === undefined ? {} : { state: body.state },
        },
        randomHexId(),
      );
    });
  }

  /** §8.1.3.2: every subject is in a stream by default; adding one undoes its removal. */
  async addSubject(ctx: RequestContext, body: AddSubjectRequest): Promise<void> {
    authorize(ctx, 'manageStreams', 'Adding a subject to a Shared Signals stream');
    const stream = await this.#heard(ctx, body.stream_id);
    await this.deps.storage.repos.ssf.addSubject(stream.id, subjectKey(body.subject));
  }

  /** §8.1.3.3: no more events about this subject on this stream. */
  async removeSubject(ctx: RequestContext, body: RemoveSubjectRequest): Promise<void> {
    authorize(ctx, 'manageStreams', 'Removing a subject from a Shared Signals stream');
    const stream = await this.#heard(ctx, body.stream_id);
    await this.deps.storage.repos.ssf.removeSubject({
      streamId: stream.id,
      subjectKey: subjectKey(body.subject),
      now: this.deps.clock.now().toISOString(),
    });
  }

  /** RFC 8936 poll of a poll stream. */
  async poll(
    ctx: RequestContext,
    streamId: string,
    body: PollRequest,
    signal?: AbortSignal,
  ): Promise<PollResponse> {
    authorize(ctx, 'readStreams', 'Polling a Shared Signals stream');
    const stream = await this.#heard(ctx, streamId);
    if (stream.deliveryMethod !== SSF_DELIVERY_POLL) {
      throw illegalValue('stream_id', `Stream '${stream.id}' delivers by push, not by poll`);
    }
    return this.deps.poller.poll(stream, body, signal);
  }

  /**
   * What a stream keeps (events_requested, the push URL and sealed header, the description) is
   * budgeted in bytes; over it, a 400 names the member that takes the most.
   */
  #checkBudget(
    stored: Pick<
      StreamRecord,
      'eventsRequested' | 'endpointUrl' | 'authorizationHeaderEnc' | 'description'
    >,
  ): void {
    const bytes = (value: string | null) => (value === null ? 0 : Buffer.byteLength(value));
    const parts: [string, number][] = [
      ['events_requested', bytes(JSON.stringify(stored.eventsRequested))],
      ['delivery', bytes(stored.endpointUrl) + bytes(stored.authorizationHeaderEnc)],
      ['description', bytes(stored.description)],
    ];
    const total = parts.reduce((sum, [, n]) => sum + n, 0);
    const max = this.deps.limits.maxStreamConfigurationBytes;
    if (total <= max) return;
    const [field] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
    throw illegalValue(
      field,
      `'${field}' takes the stream's configuration to ${total} bytes; a stream may keep at most ${max} (ssf.maxStreamConfigurationBytes)`,
    );
  }

  #clientOf(ctx: RequestContext): string {
    // The system actor has no client; it never manages streams over HTTP.
    return ctx.actor.kind === 'user' ? ctx.actor.patId : '';
  }

  /**
   * The caller's stream, its receiver noted as heard from (SSF `inactivity_timeout`): every call
   * of the receiver about one of its streams but the delete. Listing every stream of the client
   * is not about any one of them, so a replica that lists does not keep a crashed one's alive.
   */
  async #heard(ctx: RequestContext, streamId: string): Promise<StreamRecord> {
    const stream = await this.#find(ctx, streamId);
    await noteActivity(this.deps.storage, stream, this.deps.clock.now());
    return stream;
  }

  async #find(ctx: RequestContext, streamId: string): Promise<StreamRecord> {
    const stream = await this.deps.storage.repos.ssf.findStream(streamId);
    if (!stream || (ctx.actor.kind === 'user' && stream.clientId !== ctx.actor.patId)) {
      throw notFound(
        /^[0-9a-f]{32}$/.test(streamId)
          ? `Stream '${streamId}' was not found`
          : 'Stream was not found: the id is not 32 lowercase hex characters',
      );
    }
    return stream;
  }

  /** Push URLs are held to the webhooks' rules, their host resolved and every address checked. */
  async #delivery(
    id: string,
    delivery: DeliveryRequest,
  ): Promise<Pick<StreamRecord, 'deliveryMethod' | 'endpointUrl' | 'authorizationHeaderEnc'>> {
    if (delivery.method === SSF_DELIVERY_POLL) {
      return { deliveryMethod: SSF_DELIVERY_POLL, endpointUrl: null, authorizationHeaderEnc: null };
    }
    try {
      const url = checkUrl(delivery.endpoint_url, this.deps.urlPolicy);
      await resolvePermitted(url, this.deps.urlPolicy, this.deps.resolve);
    } catch (error) {
      if (!(error instanceof UrlRefused)) throw error;
      throw illegalValue(
        'delivery.endpoint_url',
        error.message.replace("'url'", "'delivery.endpoint_url'"),
      );
    }
    return {
      deliveryMethod: SSF_DELIVERY_PUSH,
      endpointUrl: delivery.endpoint_url,
      authorizationHeaderEnc:
        delivery.authorization_header === undefined
          ? null
          : this.deps.secrets.seal(delivery.authorization_header, authorizationAad(id)),
    };
  }

  #view(stream: StreamRecord): StreamConfiguration {
    return {
      stream_id: stream.id,
      iss: this.deps.issuer,
      aud: stream.audience,
      events_supported: EVENTS_SUPPORTED,
      events_requested: stream.eventsRequested,
      events_delivered: stream.eventsRequested.filter((e) => EVENTS_SUPPORTED.includes(e)),
      delivery: {
        method: stream.deliveryMethod,
        endpoint_url:
          stream.deliveryMethod === SSF_DELIVERY_POLL
            ? `${this.deps.baseUrl}${SSF_PATHS.poll}/${stream.id}`
            : (stream.endpointUrl ?? ''),
      },
      min_verification_interval: this.deps.minVerificationIntervalSeconds,
      inactivity_timeout: this.deps.inactivityTimeoutSeconds,
      ...(stream.description !== null && { description: stream.description }),
    };
  }

  #status(stream: StreamRecord): StreamStatus {
    return {
      stream_id: stream.id,
      status: stream.status as StreamStatus['status'],
      ...(stream.statusReason !== null && { reason: stream.statusReason }),
    };
  }
}

/** What one client and the whole deployment may make Patina keep (config `ssf.*`). */
export interface StreamLimits {
  maxStreamsPerClient: number;
  maxStreams: number;
  maxStreamConfigurationBytes: number;
}

/** The additional data the push Authorization header is sealed with: its stream, and its use. */
export function authorizationAad(streamId: string): string {
  return `ssf-stream-authorization:${streamId}`;
}
