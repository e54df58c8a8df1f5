import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import { WebhookSecretBox } from '../notifications/signer.js';
import { systemResolve, type Resolve } from '../notifications/ssrf-guard.js';
import { HttpWebhookTransport, type WebhookTransport } from '../notifications/webhook-sender.js';
import type { Storage } from '../storage/repositories.js';
import { KeyRotation } from '../tokens/key-rotation.js';
import { SigningKeys } from '../tokens/signing-keys.js';
import { SsfOutbox } from './outbox.js';
import { SsfPoller } from './poller.js';
import { PushWorker } from './push-worker.js';
import { SetSigner } from './set-signer.js';
import { StreamService } from './stream-service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** The Shared Signals transmitter, composed once per node. */
export interface Transmitter {
  keys: SigningKeys;
  /** Scheduled rotation of the SET keys, on `signing.rotateAfterDays` as the token keys. */
  keyRotation: KeyRotation;
  outbox: SsfOutbox;
  poller: SsfPoller;
  streams: StreamService;
  pushWorker: PushWorker;
  /** Drops SETs older than `ssf.eventRetentionDays`; returns how many. */
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
}): Promise<Transmitter> {
  const { config, storage, clock, issuer } = options;
  // Keys of their own: RS256, which the CAEP interoperability profile asks of SETs, whatever
  // algorithm signs access tokens.
  const keys = new SigningKeys(storage, options.masterKey, clock, {
    keysOf: (repos) => repos.ssfSigningKeys,
    encryptionLabel: 'patina/ssf-signing-key-encryption/v1',
  });
  await keys.init('RS256');
  const outbox = new SsfOutbox({ clock, issuer, signer: new SetSigner({ keys, clock, issuer }) });
  options.audit.subscribe((repos, event) => outbox.record(repos, event));
  const poller = new SsfPoller({
    storage,
    clock,
    outbox,
    maxWaitMs: config.ssf.pollMaxWaitSeconds * 1000,
  });
  const secrets = new WebhookSecretBox(options.masterKey);
  const policy = config.webhooks;
  const pushWorker = new PushWorker({
    storage,
    clock,
    secrets,
    logger: options.logger,
    transport:
      options.transport ??
      new HttpWebhookTransport({ policy, resolve: options.resolve ?? systemResolve }),
  });
  outbox.onQueued(() => pushWorker.nudge());
  pushWorker.start();
  const prune = () =>
    storage.repos.ssf.prune(
      new Date(clock.now().getTime() - config.ssf.eventRetentionDays * DAY_MS).toISOString(),
    );
  const pruner = setInterval(() => {
    prune().catch((error: unknown) => options.logger?.warn({ err: error }, 'ssf prune failed'));
  }, PRUNE_EVERY_MS);
  pruner.unref();
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
    streams: new StreamService({
      storage,
      clock,
      outbox,
      poller,
      secrets,
      issuer,
      baseUrl: options.baseUrl,
      urlPolicy: policy,
      minVerificationIntervalSeconds: config.ssf.minVerificationIntervalSeconds,
    }),
    prune,
    close: async () => {
      clearInterval(pruner);
      poller.close();
      await pushWorker.stop();
      keys.close();
    },
  };
}
