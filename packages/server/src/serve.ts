import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { bootstrap, type BootstrapOutcome } from './bootstrap.js';
import { clusterMetrics } from './cluster/cluster-metrics.js';
import { WorkerLink } from './cluster/worker-link.js';
import { Supervisor } from './cluster/supervisor.js';
import type { Config } from './config/schema.js';
import { createLogger } from './core/log.js';
import { listenForScrapes, type MetricsListener } from './metrics/listener.js';
import { listenForMetrics, openRuntime } from './runtime.js';
import type { Services } from './services.js';
import { startTracing } from './tracing/start.js';
import { configFrom, type CommonFlags } from './command-config.js';

/** Every start says once where the administrator's credentials are. */
const BOOTSTRAP_MESSAGES: Record<BootstrapOutcome['state'], string> = {
  written: 'first start: administrator credentials written',
  updated: "administrator credentials file updated to this start's URL",
  current: 'administrator credentials are in this file',
  elsewhere:
    'administrator credentials were made earlier, by another node or start; lost them? run `patina-server admin token`',
};
const DRAIN_TIMEOUT_MS = 10_000;

/** Where a listener's address is set: the public one's, or the metrics listener's. */
interface ListenSettings {
  port: string;
  host: string;
}
const PUBLIC_LISTENER: ListenSettings = {
  port: '--port <port> or PATINA_PORT',
  host: '--host or PATINA_HOST',
};
const METRICS_LISTENER: ListenSettings = {
  port: 'metrics.port or PATINA_METRICS_PORT',
  host: 'metrics.host or PATINA_METRICS_HOST',
};

export type ServeFlags = CommonFlags & { host?: string; port?: string; workers?: string };

/** How many processes serve the port: the setting, `auto` being the cores this machine offers. */
export function workerCount(setting: Config['workers']): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/**
 * `patina-server serve`: one process (`workers` 1, the default), or a primary that supervises
 * N workers sharing the port (docs/operations.md, "Workers"); a worker runs this too, started
 * by its primary with the same arguments.
 */
export async function serve(flags: ServeFlags): Promise<void> {
  const warnings: string[] = [];
  const config = configFrom(flags, (text) => warnings.push(text));
  const base = createLogger({ level: config.logLevel, format: config.log.format });
  if (cluster.isWorker) {
    const link = new WorkerLink();
    await serveNode(config, base.child({ worker: link.index }), link);
    return;
  }
  for (const text of warnings) base.warn(text);
  await checkPortFree(config.host, config.port);
  const { metrics } = config;
  if (metrics.port !== null && metrics.port !== 0) {
    await checkPortFree(metrics.host, metrics.port, METRICS_LISTENER);
  }
  const workers = workerCount(config.workers);
  if (workers === 1) await serveNode(config, base, undefined);
  else await supervise(config, base, workers);
}

/**
 * The primary of a node with several workers: it migrates and bootstraps once, then starts the
 * workers and stays to supervise them; it serves no request itself.
 */
async function supervise(config: Config, logger: Logger, workers: number): Promise<void> {
  const services = await openRuntime(config, { logger, listen: false });
  let outcome: BootstrapOutcome;
  try {
    outcome = await bootstrap(services);
  } finally {
    await services.close();
  }
  logger.info({ file: outcome.file }, BOOTSTRAP_MESSAGES[outcome.state]);
  const consoleUrl = `${services.baseUrl}/ui/`;
  let scrapes: MetricsListener | undefined;
  const supervisor = new Supervisor({
    workers,
    logger,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    onReady: () =>
      logger.info(
        {
          address: `http://${hostInUrl(config.host)}:${config.port}`,
          console: consoleUrl,
          next: nextStep(consoleUrl, outcome),
          database: services.storage.dialect,
          redis: config.redis.url !== null,
          workers,
          pids: supervisor.pids,
          ...(scrapes && { metrics: scrapeUrl(scrapes) }),
        },
        'patina listening',
      ),
  });
  // The node's scrape listener is the primary's: it asks every worker for its counts.
  const { metrics } = config;
  if (metrics.port !== null) {
    const where = { host: metrics.host, port: metrics.port };
    scrapes = await listenForScrapes(clusterMetrics(supervisor), where).catch(
      (error: NodeJS.ErrnoException) => {
        throw listenError(error, where.host, where.port, METRICS_LISTENER);
      },
    );
  }
  const shutdown = (signal: string) => {
    logger.info({ signal, workers }, 'shutting down: draining every worker');
    void supervisor.stop().then(async (code) => {
      await scrapes?.close();
      logger.info(code === 0 ? 'stopped' : 'stopped; a worker had to be killed');
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  supervisor.start();
}

/**
 * One process that serves: the whole node (`link` undefined) or one of its workers. The node, or
 * its delivering worker, also runs the background work: housekeeping, the outboxes, key rotation.
 */
async function serveNode(config: Config, logger: Logger, link: WorkerLink | undefined) {
  // Off by default; then the OpenTelemetry SDK is not even loaded (docs/operations.md, "Traces").
  const tracing = await startTracing(config.tracing, { logger });
  const delivers = link === undefined || link.delivers;
  const services = await openRuntime(config, {
    logger,
    tracing,
    // A worker's primary migrated and bootstrapped before starting it.
    migrate: link === undefined,
    ...(link && { shared: link.shared, background: delivers }),
  });
  const outcome = link ? undefined : await bootstrap(services);
  if (outcome) logger.info({ file: outcome.file }, BOOTSTRAP_MESSAGES[outcome.state]);
  const app = await buildApp(services, { logger });
  const sweep = delivers ? await startBackground(services, logger) : undefined;
  if (link && !delivers) {
    // What this worker queues, the delivering worker sends: it is told at once.
    services.notifications.outbox.onQueued(() => link.nudge());
    services.ssf.outbox.onQueued(() => link.nudge());
  }
  // The scrape listener starts before the public one and closes after it.
  const scrapes = link
    ? undefined
    : await listenForMetrics(services).catch((error: NodeJS.ErrnoException) => {
        throw listenError(error, config.metrics.host, config.metrics.port ?? 0, METRICS_LISTENER);
      });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    clearInterval(sweep);
    const force = setTimeout(() => {
      logger.error('drain timed out; exiting');
      process.exit(1);
    }, DRAIN_TIMEOUT_MS);
    force.unref();
    app
      .close()
      .then(() => scrapes?.close())
      .then(() => services.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  link?.listen({
    nudge: () => {
      services.notifications.worker.nudge();
      services.ssf.pushFeeder.nudge();
      services.ssf.pushWorker.nudge();
    },
    reset: () => services.storage.feed.publish([{ kind: 'reset' }]),
    orphaned: () => shutdown('primary gone'),
    metrics: (options) => services.metrics.snapshot(options),
  });

  const address = await app
    .listen({ host: config.host, port: config.port })
    .catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, config.host, config.port);
    });
  if (link) {
    link.ready();
    logger.debug({ address, delivers }, 'worker listening');
    return;
  }
  // Where people open the web console: the public base URL, which the address may not be.
  const consoleUrl = `${services.baseUrl}/ui/`;
  logger.info(
    {
      address,
      console: consoleUrl,
      next: nextStep(consoleUrl, outcome!),
      database: services.storage.dialect,
      redis: config.redis.url !== null,
      ...(scrapes && { metrics: scrapeUrl(scrapes) }),
    },
    'patina listening',
  );
}

/** Housekeeping now and every `housekeeping.intervalSeconds`, and the notification outbox. */
async function startBackground(services: Services, logger: Logger): Promise<NodeJS.Timeout> {
  await services.housekeeping.runOnce();
  const sweep = setInterval(() => {
    services.housekeeping
      .runOnce()
      .catch((err: unknown) => logger.error({ err }, 'housekeeping failed'));
  }, services.config.housekeeping.intervalSeconds * 1000);
  sweep.unref();
  // Every node sends what the outbox holds; claims keep two nodes off the same delivery.
  services.notifications.worker.start();
  return sweep;
}

/** Refuses a port that is taken before anything is migrated or written, saying how to move. */
async function checkPortFree(
  host: string,
  port: number,
  settings: ListenSettings = PUBLIC_LISTENER,
): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', resolve);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (error) throw listenError(error, host, port, settings);
}

function listenError(
  error: NodeJS.ErrnoException,
  host: string,
  port: number,
  settings: ListenSettings = PUBLIC_LISTENER,
): Error {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE') {
    return new Error(
      `${where} is already in use (another Patina?); choose a free port with ${settings.port}`,
    );
  }
  if (error.code === 'EACCES') {
    return new Error(
      `${where} needs privileges this user lacks; use a port above 1023 with ${settings.port.split(' ')[0]}`,
    );
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new Error(`${host} is not an address of this machine; set ${settings.host}`);
  }
  return error;
}

function hostInUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Where Prometheus scrapes this node, for the start log. */
function scrapeUrl(listener: { host: string; port: number }): string {
  return `http://${hostInUrl(listener.host)}:${listener.port}/metrics`;
}

/** What the start log tells an operator to do next, once: where to go and with what. */
function nextStep(consoleUrl: string, outcome: BootstrapOutcome): string {
  return outcome.state === 'elsewhere'
    ? `open ${consoleUrl} and sign in with your PAT (lost the administrator's? run \`patina-server admin token\`)`
    : `open ${consoleUrl} and sign in with the client id and secret in ${outcome.file}`;
}
