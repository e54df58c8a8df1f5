#!/usr/bin/env node
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@patina/contract';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Command, Option } from 'commander';
import { buildApp } from './app.js';
import { bootstrap, mintRecoveryCredentials, type BootstrapOutcome } from './bootstrap.js';
import { ConfigError } from './config/load.js';
import { SYSTEM_CONTEXT, systemContext } from './access/context.js';
import { createLogger, describeError } from './core/log.js';
import { echo } from './core/redact.js';
import { unlockClient } from './oauth/throttle-stores.js';
import { listenForMetrics, openRuntime, openStorage } from './runtime.js';
import { startTracing } from './tracing/start.js';
import { openRedis, redisReady } from './storage/redis.js';
import { backup, restore } from './backup-commands.js';
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

async function serve(flags: CommonFlags & { host?: string; port?: string }): Promise<void> {
  const warnings: string[] = [];
  const config = configFrom(flags, (text) => warnings.push(text));
  const logger = createLogger({ level: config.logLevel, format: config.log.format });
  for (const text of warnings) logger.warn(text);
  await checkPortFree(config.host, config.port);
  const { metrics } = config;
  if (metrics.port !== null && metrics.port !== 0) {
    await checkPortFree(metrics.host, metrics.port, METRICS_LISTENER);
  }
  // Off by default; then the OpenTelemetry SDK is not even loaded (docs/operations.md, "Traces").
  const tracing = await startTracing(config.tracing, { logger });
  const services = await openRuntime(config, { logger, tracing });
  const outcome = await bootstrap(services);
  logger.info({ file: outcome.file }, BOOTSTRAP_MESSAGES[outcome.state]);
  const app = await buildApp(services, { logger });
  await services.housekeeping.runOnce();
  const sweep = setInterval(() => {
    services.housekeeping
      .runOnce()
      .catch((err: unknown) => logger.error({ err }, 'housekeeping failed'));
  }, config.housekeeping.intervalSeconds * 1000);
  sweep.unref();
  // Every node sends what the outbox holds; claims keep two nodes off the same delivery.
  services.notifications.worker.start();
  // The scrape listener starts before the public one and closes after it.
  const scrapes = await listenForMetrics(services).catch((error: NodeJS.ErrnoException) => {
    throw listenError(error, metrics.host, metrics.port ?? 0, METRICS_LISTENER);
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

  const address = await app
    .listen({ host: config.host, port: config.port })
    .catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, config.host, config.port);
    });
  // Where people open the web console: the public base URL, which the address may not be.
  const consoleUrl = `${services.baseUrl}/ui/`;
  logger.info(
    {
      address,
      console: consoleUrl,
      next: nextStep(consoleUrl, outcome),
      database: services.storage.dialect,
      redis: config.redis.url !== null,
      ...(scrapes && { metrics: scrapeUrl(scrapes) }),
    },
    'patina listening',
  );
}

/** Where Prometheus scrapes this node, for the start log. */
function scrapeUrl(listener: { host: string; port: number }): string {
  const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return `http://${host}:${listener.port}/metrics`;
}

/** What the start log tells an operator to do next, once: where to go and with what. */
function nextStep(consoleUrl: string, outcome: BootstrapOutcome): string {
  return outcome.state === 'elsewhere'
    ? `open ${consoleUrl} and sign in with your PAT (lost the administrator's? run \`patina-server admin token\`)`
    : `open ${consoleUrl} and sign in with the client id and secret in ${outcome.file}`;
}

async function migrate(flags: CommonFlags): Promise<void> {
  const config = configFrom(flags);
  let applied: string[] = [];
  const storage = await openStorage(config, {
    listen: false,
    onMigrated: (names) => (applied = names),
  });
  await storage.close();
  process.stdout.write(
    applied.length ? `Applied: ${applied.join(', ')}\n` : 'The schema is up to date.\n',
  );
}

/** Recovery: a fresh admin PAT straight from the local database, printed as JSON on stdout. */
async function adminToken(flags: CommonFlags & { identity?: string; name: string }): Promise<void> {
  const services = await openRuntime(configFrom(flags), { listen: false });
  try {
    let identityId = flags.identity;
    if (!identityId) {
      const admins = (
        await services.identities.list(SYSTEM_CONTEXT, { limit: 250, offset: 0, withTotal: false })
      ).items.filter((i) => i.roles.includes('ORG_ADMIN') && i.status === 'ACTIVE');
      if (!admins[0]) throw new Error('No active ORG_ADMIN identity; pass --identity <id>');
      identityId = admins[0].id;
    }
    const { credentials, login, replaced } = await mintRecoveryCredentials(
      services,
      identityId,
      flags.name,
    );
    // The secret goes to stdout only; what was done goes to stderr, for the person at the shell.
    process.stdout.write(JSON.stringify(credentials, null, 2) + '\n');
    process.stderr.write(
      `Made recovery PAT ${credentials.clientId} for ${login}` +
        (replaced ? `; it replaces the earlier recovery PAT ${replaced}, now deleted.\n` : '.\n') +
        'Recovery PATs do not count against policy.maxTokensPerOwner; each run replaces the last.\n',
    );
  } finally {
    await services.close();
  }
}

/**
 * Clears the failure throttle of one client id (docs/decisions.md, "Throttling failed exchanges"):
 * the counts shared in Redis, from every address. Without Redis each node counts in its own memory,
 * out of this command's reach: it says so and changes nothing.
 */
async function adminUnlock(clientId: string, flags: CommonFlags): Promise<void> {
  const config = configFrom(flags);
  const shown = echo(clientId);
  const url = config.redis.url;
  if (url === null) {
    process.stderr.write(
      `Nothing cleared: without redis.url each running node counts failed exchanges in its own memory, which this command cannot reach. ` +
        `The throttle on ${shown} ends by itself within policy.lockout.durationSeconds (${config.policy.lockout.durationSeconds} s), or when the node restarts; ` +
        'a correct secret is never refused meanwhile.\n',
    );
    process.exitCode = 1;
    return;
  }
  const redis = openRedis({ ...config.redis, url });
  try {
    if (!(await redisReady(redis, 5000))) throw new Error('Redis cannot be reached');
    const deleted = await unlockClient(redis, config.redis.keyPrefix, clientId);
    process.stderr.write(
      deleted > 0
        ? `Cleared the throttle on ${shown} (${deleted} keys), on every node.\n`
        : `No failures are counted for ${shown}; nothing to clear.\n`,
    );
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/**
 * Rotates the signing key in the database. Running nodes hear of it at once on PostgreSQL (NOTIFY);
 * on SQLite within a minute, or when a token signed with the new key arrives.
 */
async function rotateKeys(flags: CommonFlags & { algorithm?: string }): Promise<void> {
  const services = await openRuntime(configFrom(flags), { listen: false });
  try {
    const algorithm = flags.algorithm as SigningAlgorithm | undefined;
    if (algorithm !== undefined && !SIGNING_ALGORITHMS.includes(algorithm)) {
      throw new Error(`--algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    }
    const key = await services.keyRotation.rotate(systemContext('patina keys rotate'), algorithm);
    process.stdout.write(JSON.stringify(key, null, 2) + '\n');
  } finally {
    await services.close();
  }
}

async function listKeys(flags: CommonFlags): Promise<void> {
  const services = await openRuntime(configFrom(flags), { listen: false });
  try {
    process.stdout.write(
      JSON.stringify(await services.keyRotation.list(SYSTEM_CONTEXT), null, 2) + '\n',
    );
  } finally {
    await services.close();
  }
}

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };
const program = new Command('patina-server')
  .description(
    'Self-hosted personal access token service (the operator’s command; owners use patina)',
  )
  .version(version, '-V, --version', 'print the version')
  .addHelpText(
    'after',
    `
Examples:
  patina-server serve                                  # SQLite in ./data, on 127.0.0.1:7070
  patina-server serve --port 8080 --data-dir /var/lib/patina
  patina-server admin token > admin.json               # recovery credentials, as JSON
  patina-server keys rotate --algorithm ES256
  patina-server backup --out /backups/patina.db        # SQLite, while the server runs

Every setting is also a PATINA_* variable or a key of the --config file (see the README).`,
  );
const common = (command: Command) =>
  command
    .option('--config <file>', 'JSON config file (or PATINA_CONFIG)')
    .option('--data-dir <dir>', 'data directory (or PATINA_DATA_DIR; default ./data)');

common(program.command('serve').description('Run the HTTP service'))
  .addOption(new Option('--host <host>', 'listen address (or PATINA_HOST; default 127.0.0.1)'))
  .addOption(new Option('--port <port>', 'listen port (or PATINA_PORT; default 7070)'))
  .addHelpText(
    'after',
    `
Examples:
  patina-server serve
  PATINA_PORT=8080 PATINA_LOG_LEVEL=warn patina-server serve
  PATINA_DATABASE_URL=postgres://patina@db/patina PATINA_MASTER_KEY="$(openssl rand -base64 32)" \\
    PATINA_PUBLIC_BASE_URL=https://pat.example.com patina-server serve`,
  )
  .action(serve);
common(program.command('migrate').description('Bring the database schema up to date')).action(
  migrate,
);
common(
  program
    .command('backup')
    .description('Copy the SQLite database, consistently, while the server runs')
    .requiredOption('--out <file>', 'the backup file to write (mode 0600; never overwritten)')
    .option('--include-master-key', 'put the master key into the backup too (then keep it secret)'),
)
  .addHelpText(
    'after',
    `
Examples:
  patina-server backup --out /backups/patina-$(date +%F).db --data-dir /var/lib/patina
  patina-server backup --out patina.db --include-master-key     # one file to restore from

The master key is not in the backup unless --include-master-key: keep it with the backup.
On PostgreSQL use pg_dump -Fc and pg_restore instead.`,
  )
  .action(backup);
common(
  program
    .command('restore')
    .description('Restore a backup into a data directory that has no database yet')
    .argument('<file>', 'the backup file (from patina-server backup)'),
)
  .addHelpText(
    'after',
    `
Examples:
  patina-server restore /backups/patina-2026-01-31.db --data-dir /var/lib/patina
  install -m 600 /backups/keys/master.key /var/lib/patina/master.key   # unless the backup carries it

A master key in the backup is written to <data-dir>/master.key; otherwise put it there yourself.`,
  )
  .action(restore);
const admin = program
  .command('admin')
  .description('Local administration (needs the data directory)');
common(admin.command('token').description('Mint a fresh administrator PAT and print it as JSON'))
  .option('--identity <id>', 'the identity to mint for (default: the first active ORG_ADMIN)')
  .option('--name <name>', 'the PAT name', `recovery-${new Date().toISOString().slice(0, 19)}`)
  .addHelpText(
    'after',
    `
Examples:
  patina-server admin token > admin.json     # stdout is the JSON alone; keep it private
  patina-server admin token --data-dir /var/lib/patina --identity <identity-id>`,
  )
  .action(adminToken);
common(
  admin
    .command('unlock')
    .description('Clear the failure throttle of a client id (shared in Redis)')
    .argument('<client-id>', 'the client id (PAT id) whose failed exchanges to forget'),
).action(adminUnlock);
const keys = program.command('keys').description('Signing keys in the local database');
common(
  keys.command('rotate').description('Sign with a new key from now on (old tokens stay valid)'),
)
  .option('--algorithm <alg>', `ES256, EdDSA or RS256 (default: the configured signing.algorithm)`)
  .action(rotateKeys);
common(keys.command('list').description('List signing keys as JSON')).action(listKeys);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`patina: ${error.message}\n`);
  } else {
    process.stderr.write(`patina: ${describeError(error)}\n`);
  }
  process.exit(1);
});
