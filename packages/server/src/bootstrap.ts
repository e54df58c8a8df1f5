import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from './app.js';
import type { Config } from './config/schema.js';
import { SYSTEM_CONTEXT } from './access/context.js';
import { PatinaError } from './core/errors.js';

export const BOOTSTRAP_FILE = 'bootstrap-credentials.json';

/**
 * Where a database's first administrator credentials go. SQLite's database lives in the data
 * directory, so the file beside it is its own: `bootstrap-credentials.json`. A PostgreSQL
 * database lives elsewhere, and one data directory can serve several (a checkout that also runs
 * on SQLite): its file is named after the database, so no database's credentials ever replace
 * another's.
 */
export function bootstrapFile(config: Config): string {
  const url = config.database.url;
  if (url === null) return join(config.dataDir, BOOTSTRAP_FILE);
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1)) || parsed.username || 'postgres';
  const name = [parsed.hostname, parsed.port || '5432', database, config.database.schema]
    .filter((part) => part !== null && part !== '')
    .join('-')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  return join(config.dataDir, `bootstrap-credentials-postgres-${name}.json`);
}

export interface AdminCredentials {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * First start with an empty database: an ORG_ADMIN identity and a PAT for it, written to
 * `bootstrapFile` (mode 0600). Returns the file path, or undefined when
 * the database already had identities.
 */
export async function bootstrapIfEmpty(services: Services): Promise<string | undefined> {
  if ((await services.storage.repos.identities.count()) > 0) return undefined;
  // The file's directory first: with PostgreSQL nothing else makes it, and credentials that
  // cannot be written after the admin exists could only be recovered with `patina admin token`.
  mkdirSync(services.config.dataDir, { recursive: true, mode: 0o700 });
  let admin;
  try {
    admin = await services.identities.create(SYSTEM_CONTEXT, {
      name: 'Administrator',
      login: 'admin',
      roles: ['ORG_ADMIN'],
    });
  } catch (error) {
    // Several nodes started together on an empty database: the login is unique, so exactly one
    // made the administrator and wrote its credentials; the others go on without.
    if (error instanceof PatinaError && error.code === 'REFERENCE_CONFLICT') return undefined;
    throw error;
  }
  const credentials = await mintAdminCredentials(services, admin.id, 'bootstrap');
  const file = bootstrapFile(services.config);
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  return file;
}

/** What a start did about the administrator's first credentials, for its log line. */
export type BootstrapOutcome =
  | { state: 'written'; file: string }
  | { state: 'updated'; file: string }
  | { state: 'current'; file: string }
  | { state: 'elsewhere'; file: string };

/**
 * Every start: makes the first administrator on an empty database, or keeps an existing
 * credentials file true to this start's URL (a restart on another port or behind a new public
 * URL), and says which. With several nodes only one holds the file; the others say where it went.
 */
export async function bootstrap(services: Services): Promise<BootstrapOutcome> {
  const written = await bootstrapIfEmpty(services);
  if (written) return { state: 'written', file: written };
  const file = bootstrapFile(services.config);
  if (!existsSync(file)) return { state: 'elsewhere', file };
  let saved: AdminCredentials;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as AdminCredentials;
  } catch {
    return { state: 'current', file };
  }
  const current = credentialsOf(services, saved.clientId, saved.clientSecret);
  if (saved.baseUrl === current.baseUrl && saved.tokenUrl === current.tokenUrl) {
    return { state: 'current', file };
  }
  writeFileSync(file, JSON.stringify(current, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  return { state: 'updated', file };
}

/** A fresh PAT for an administrator, made by Patina itself through the service. */
export async function mintAdminCredentials(
  services: Services,
  identityId: string,
  name: string,
): Promise<AdminCredentials> {
  const identity = await services.identities.get(SYSTEM_CONTEXT, identityId);
  const { pat, secret } = await services.pats.createFor(SYSTEM_CONTEXT, identity.id, { name });
  return credentialsOf(services, pat.id, secret);
}

/**
 * Recovery (`patina-server admin token`): a PAT that replaces the administrator's previous
 * recovery PAT and does not count against the owner limit, so it works however many PATs the
 * administrator holds. Says which PAT it replaced, if any.
 */
export async function mintRecoveryCredentials(
  services: Services,
  identityId: string,
  name: string,
): Promise<{ credentials: AdminCredentials; login: string; replaced: string | undefined }> {
  const identity = await services.identities.get(SYSTEM_CONTEXT, identityId);
  const { pat, secret, replaced } = await services.pats.createRecovery(
    SYSTEM_CONTEXT,
    identity.id,
    name,
  );
  return { credentials: credentialsOf(services, pat.id, secret), login: identity.login, replaced };
}

function credentialsOf(services: Services, clientId: string, clientSecret: string) {
  return {
    baseUrl: services.baseUrl,
    tokenUrl: `${services.baseUrl}/oauth/token`,
    clientId,
    clientSecret,
  };
}
