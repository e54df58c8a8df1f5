#!/usr/bin/env node
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@patina/contract';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { mintRecoveryCredentials } from './bootstrap.js';
import { ConfigError } from './config/load.js';
import { SYSTEM_CONTEXT, systemContext } from './access/context.js';
import { describeError } from './core/log.js';
import { echo } from './core/redact.js';
import { unlockClient } from './oauth/throttle-stores.js';
import { openRuntime, openStorage } from './runtime.js';
import { serve } from './serve.js';
import { openRedis, redisReady } from './storage/redis.js';
import { backup, restore } from './backup-commands.js';
import { configFrom, type CommonFlags } from './command-config.js';

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
 * Rotates the signing key in the database. Running nodes hear of it at once on PostgreSQL (NOTIFY),
 * on SQLite within 0.1 s (the change table, storage/sqlite-change-feed.ts).
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
  .addOption(
    new Option(
      '--workers <n>',
      'processes serving the port: a number, or auto for one per core (or PATINA_WORKERS; default 1)',
    ),
  )
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
