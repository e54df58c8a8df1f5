import type { Logger } from 'pino';
import { SYSTEM_CONTEXT } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Tracing } from '../tracing/tracing.js';
import { webhookSecretBox } from '../notifications/signer.js';
import { systemResolve, type Resolve } from '../notifications/ssrf-guard.js';
import { HttpWebhookTransport, type WebhookTransport } from '../notifications/webhook-sender.js';
import type { Storage } from '../storage/repositories.js';
import { KeyRotation } from '../tokens/key-rotation.js';
import { type KeyPairSource, SigningKeys } from '../tokens/signing-keys.js';
import { SsfOutbox } from './outbox.js';
import { SsfPoller } from './poller.js';
import { PushFeeder } from './push-feeder.js';
import { PushWorker } from './push-worker.js';
import { SetSigner } from './set-signer.js';
import { StreamAdministration } from './stream-admin.js';
import { StreamService } from './stream-service.js';
import { DAY_MS } from '../core/time.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** Idle streams one housekeeping pass deletes at most; the next pass takes the rest. */
const IDLE_STREAMS_PER_PASS = 500;

/** The Shared Signals transmitter, composed once per node. */
export interface Transmitter {
  keys: SigningKeys;
  /** Scheduled rotation of the SET keys, on `signing.rotateAfterDays` as the token keys. */
  keyRotation: KeyRotation;
  outbox: SsfOutbox;
  poller: SsfPoller;
  streams: StreamService;
  /** Every client's streams, for administrators. */
  streamAdmin: StreamAdministration;
  pushWorker: PushWorker;
  /** Turns logged changes into the SETs of push streams, in the background. */
  pushFeeder: PushFeeder;
  /**
   * Drops SETs older than `ssf.eventRetentionDays`, the streams whose PAT has ended or whose
   * identity is disabled, and the streams whose receiver has been silent for
   * `ssf.inactivityTimeoutSeconds` (audited); returns how many SETs.
   */
  prune(): Promise<number>;
  close(): Promise<void>;
}

export async function createTransmitter(options: {
  config: Config;
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
  masterKey: Buffer;
  issuer: string;
  baseUrl: string;
  logger?: Logger | undefined;
  resolve?: Resolve;
  transport?: WebhookTransport;
  keyPairs?: KeyPairSource;
  metrics?: Metrics;
  /** A span per push; the POSTs carry its `traceparent`. */
  tracing?: Tracing;
  /**
   * Push SETs and prune streams and events from this process (the default). False in a node's
   * workers but the one that delivers: once per node, never once per worker.
   */
  background?: boolean;
}): Promise<Transmitter> {
  const { config, storage, clock, issuer } = options;
  // Keys of their own: RS256, which the CAEP interoperability profile asks of SETs, whatever
  // algorithm signs access tokens.
  const keys = new SigningKeys(storage, options.masterKey, clock, {
    keysOf: (repos) => repos.ssfSigningKeys,
    encryptionLabel: 'patina/ssf-signing-key-encryption/v1',
    ...(options.keyPairs && { keyPairs: options.keyPairs }),
  });
  await keys.init('RS256');
  const outbox = new SsfOutbox({
    storage,
    clock,
    issuer,
    signer: new SetSigner({ keys, clock, issuer }),
  });
  options.audit.subscribe((repos, event) => outbox.record(repos, event));
  const poller = new SsfPoller({
    storage,
    clock,
    outbox,
    maxWaitMs: config.ssf.pollMaxWaitSeconds * 1000,
  });
  const secrets = webhookSecretBox(options.masterKey);
  const policy = config.webhooks;
  const resolve = options.resolve ?? systemResolve;
  const traced = options.tracing ? { tracing: options.tracing } : {};
  const pushWorker = new PushWorker({
    storage,
    clock,
    secrets,
    concurrency: config.ssf.pushConcurrency,
    logger: options.logger,
    ...(options.metrics && { metrics: options.metrics }),
    ...traced,
    transport: options.transport ?? new HttpWebhookTransport({ policy, resolve, ...traced }),
  });
  const pushFeeder = new PushFeeder({
    storage,
    clock,
    outbox,
    fed: () => pushWorker.nudge(),
    logger: options.logger,
  });
  outbox.onQueued((streamIds) => {
    if (streamIds === null) pushFeeder.nudge();
    else pushWorker.nudge();
  });
  const background = options.background !== false;
  if (background) {
    pushWorker.start();
    pushFeeder.start();
  }
  const inactivityTimeoutSeconds = config.ssf.inactivityTimeoutSeconds;
  /**
   * SSF 1.0 §8.1.1 `inactivity_timeout`: a stream its receiver no longer uses (a verifier that
   * crashed or was killed before deleting it) is deleted, each with its audit event, so it stops
   * counting against its client's `ssf.maxStreamsPerClient`.
   */
  const deleteIdleStreams = async (now: Date) => {
    const cutoff = new Date(now.getTime() - inactivityTimeoutSeconds * 1000).toISOString();
    for (const idle of await storage.repos.ssf.idleStreams(cutoff, IDLE_STREAMS_PER_PASS)) {
      await storage.transaction(async (repos) => {
        if (!(await repos.ssf.deleteIfIdle(idle.id, cutoff))) return;
        await options.audit.record(repos, {
          type: 'SSF_STREAM_DELETED',
          context: SYSTEM_CONTEXT.audit,
          target: { type: 'SSF_STREAM', id: idle.id, name: null },
          details: {
            streamId: idle.id,
            clientId: idle.clientId,
            reason: 'INACTIVE',
            lastActivityAt: idle.lastActivityAt,
            inactivityTimeoutSeconds,
          },
        });
      });
      options.logger?.info(
        { streamId: idle.id, lastActivityAt: idle.lastActivityAt },
        'ssf stream deleted for inactivity',
      );
    }
  };
  const prune = async () => {
    const now = clock.now();
    await storage.repos.ssf.deleteInertStreams(now.toISOString());
    await deleteIdleStreams(now);
    return storage.repos.ssf.prune(
      new Date(now.getTime() - config.ssf.eventRetentionDays * DAY_MS).toISOString(),
    );
  };
  const pruner = background
    ? setInterval(() => {
        prune().catch((error: unknown) => options.logger?.warn({ err: error }, 'ssf prune failed'));
      }, PRUNE_EVERY_MS)
    : undefined;
  pruner?.unref();
  return {
    keys,
    // A retired key stays published as long as a SET it signed may wait for a poll.
    keyRotation: new KeyRotation({
      keys,
      storage,
      audit: options.audit,
      clock,
      algorithm: 'RS256',
      rotateAfterDays: config.signing.rotateAfterDays,
      overlapSeconds: (config.ssf.eventRetentionDays * DAY_MS) / 1000,
      purpose: 'security-events',
    }),
    outbox,
    poller,
    pushWorker,
    pushFeeder,
    streamAdmin: new StreamAdministration({ storage, clock, audit: options.audit }),
    streams: new StreamService({
      storage,
      clock,
      outbox,
      poller,
      secrets,
      issuer,
      baseUrl: options.baseUrl,
      urlPolicy: policy,
      resolve,
      minVerificationIntervalSeconds: config.ssf.minVerificationIntervalSeconds,
      inactivityTimeoutSeconds,
      limits: {
        maxStreamsPerClient: config.ssf.maxStreamsPerClient,
        maxStreams: config.ssf.maxStreams,
        maxStreamConfigurationBytes: config.ssf.maxStreamConfigurationBytes,
      },
    }),
    prune,
    close: async () => {
      clearInterval(pruner);
      poller.close();
      await pushFeeder.stop();
      await pushWorker.stop();
      keys.close();
    },
  };
}
