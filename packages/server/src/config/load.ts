import { readFileSync } from 'node:fs';
import FormatRegistry from 'ajv-formats';
import { Ajv } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseCidr, problemText } from '../core/cidr.js';
import { ConfigSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Settings that can come from the environment, as `PATINA_<NAME>`, and where they go. */
const ENV_SETTINGS: Record<string, readonly string[]> = {
  PATINA_HOST: ['host'],
  PATINA_PORT: ['port'],
  PATINA_WORKERS: ['workers'],
  PATINA_DATA_DIR: ['dataDir'],
  PATINA_PUBLIC_BASE_URL: ['publicBaseUrl'],
  PATINA_ISSUER: ['issuer'],
  PATINA_MASTER_KEY: ['masterKey'],
  PATINA_LOG_LEVEL: ['logLevel'],
  PATINA_LOG_FORMAT: ['log', 'format'],
  PATINA_DATABASE_URL: ['database', 'url'],
  PATINA_REDIS_URL: ['redis', 'url'],
  PATINA_METRICS_PORT: ['metrics', 'port'],
  PATINA_METRICS_HOST: ['metrics', 'host'],
  PATINA_TRACING: ['tracing', 'enabled'],
  PATINA_SMTP_URL: ['email', 'smtp', 'url'],
  PATINA_SSO_CLIENT_SECRET: ['sso', 'clientSecret'],
};

/** Variables Patina's own command and SDK read: a server's environment may hold them too. */
const CLIENT_VARIABLES = [
  'PATINA_BASE_URL',
  'PATINA_CLIENT_ID',
  'PATINA_CLIENT_SECRET',
  'PATINA_ACCESS_TOKEN',
  'PATINA_PROFILE',
];
const KNOWN_VARIABLES = [...Object.keys(ENV_SETTINGS), 'PATINA_CONFIG', ...CLIENT_VARIABLES];

/**
 * One warning for each `PATINA_*` variable Patina does not read: a misspelt one would otherwise
 * be ignored without a word (`PATINA_DATABSE_URL`, and the node quietly runs on SQLite). The test
 * suite's own variables (`PATINA_TEST_*`) are not settings and are left alone.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('PATINA_') && !name.startsWith('PATINA_TEST_'))
    .filter((name) => !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((name) => {
      const closest = closestKey(name, KNOWN_VARIABLES);
      return closest
        ? `${name} is not a Patina variable and is ignored; did you mean ${closest}?`
        : `${name} is not a Patina variable and is ignored; the server reads ${[...Object.keys(ENV_SETTINGS), 'PATINA_CONFIG'].join(', ')}`;
    });
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; `PATINA_CONFIG` when not given. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence: command-line flags. */
  overrides?: Partial<Record<string, unknown>>;
}

const ajv = new Ajv({ allErrors: false, strict: false });
FormatRegistry.default(ajv);
const validate = ajv.compile(ConfigSchema);

/** file < environment < flags; defaults fill the rest; the result is validated and frozen. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PATINA_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  /** Which setting came from which variable, so an error can name the variable. */
  const fromEnv = new Map<string, string>();
  for (const [name, path] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(raw, path, fromVariable(path, value));
      fromEnv.set(path.join('.'), name);
    }
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) {
      raw[key] = value;
      fromEnv.delete(key);
    }
  }
  return parseConfig(raw, file ?? 'settings', fromEnv);
}

/** Validates a settings object and fills defaults; throws ConfigError naming the bad path. */
export function parseConfig(
  raw: unknown,
  source = 'settings',
  fromEnv: ReadonlyMap<string, string> = new Map(),
): Config {
  const withDefaults: unknown = Value.Default(ConfigSchema, structuredClone(raw ?? {}));
  if (!validate(withDefaults)) {
    const error = validate.errors?.[0];
    const path = configPath(error?.instancePath ?? '', error?.params);
    const variable = fromEnv.get(path);
    const where = variable ? `${path} (${variable})` : path;
    const unknownKey: unknown = error?.params?.additionalProperty;
    const message =
      typeof unknownKey === 'string'
        ? unknownSettingMessage(error?.instancePath ?? '', unknownKey)
        : (allowedValuesMessage(error?.instancePath ?? '') ?? error?.message ?? '');
    throw new ConfigError(`Invalid configuration in ${source}: ${where} ${message}`);
  }
  const config = withDefaults;
  checkConsistency(config, source);
  return deepFreeze(config);
}

/**
 * A variable's text as its setting's type: a port a number, a switch (`PATINA_TRACING`) `true` or
 * `false`. Any other text is left as it is, for the schema to refuse with the variable's name.
 */
function fromVariable(path: readonly string[], value: string): unknown {
  const key = path.at(-1);
  if (key === 'port') return Number(value);
  // A count of workers is a number; `auto` (or a typo) stays text for the schema to judge.
  if (key === 'workers' && /^\d+$/.test(value)) return Number(value);
  if (key === 'enabled' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Sets `raw.a.b = value`, making `raw.a` an object when the file did not have one. */
function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target = raw;
  for (const key of path.slice(0, -1)) {
    const inner = target[key];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1]!] = value;
}

function configPath(instancePath: string, params: Record<string, unknown> | undefined): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (params && typeof params.additionalProperty === 'string')
    parts.push(params.additionalProperty);
  return parts.length > 0 ? parts.join('.') : '(root)';
}

/** The schema node of a setting, by its JSON pointer. */
function schemaAt(instancePath: string): TSchema | undefined {
  let node: TSchema | undefined = ConfigSchema;
  for (const part of instancePath.split('/').filter(Boolean)) {
    const inner = node as { properties?: Record<string, TSchema>; items?: TSchema } | undefined;
    node = /^\d+$/.test(part) && inner?.items ? inner.items : inner?.properties?.[part];
  }
  return node;
}

/** "must be one of …" for a setting that takes one of a few words (`logLevel`), else undefined. */
function allowedValuesMessage(instancePath: string): string | undefined {
  const node = schemaAt(instancePath) as { anyOf?: { const?: unknown }[] } | undefined;
  const values = node?.anyOf?.map((option) => option.const);
  if (!values?.length || values.some((value) => typeof value !== 'string')) return undefined;
  return `must be one of: ${values.join(', ')}`;
}

/** "is not a setting", with the closest known key at that level when one is close. */
function unknownSettingMessage(instancePath: string, key: string): string {
  const node = schemaAt(instancePath);
  const properties = (node as { properties?: object } | undefined)?.properties;
  // A map keyed by pattern (roles): its own rule says which keys it takes.
  if (!properties) return 'is not an allowed key here';
  const known = Object.keys(properties);
  const closest = closestKey(key, known);
  return closest
    ? `is not a setting; did you mean \`${closest}\`?`
    : `is not a setting; known here: ${known.join(', ')}`;
}

/** The known key within a small edit distance of `key` (typos, case), if there is one. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  const allowed = Math.max(1, Math.floor(key.length / 3));
  return best && best.distance <= allowed ? best.key : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function checkConsistency(config: Config, source: string): void {
  const sso = config.sso;
  if (sso.issuer !== null && (sso.clientId === null || sso.clientSecret === null)) {
    throw new ConfigError(
      `Invalid configuration in ${source}: sso.clientId and sso.clientSecret (PATINA_SSO_CLIENT_SECRET) are required with sso.issuer`,
    );
  }
  if (!sso.scopes.includes('openid')) {
    throw new ConfigError(`Invalid configuration in ${source}: sso.scopes must include openid`);
  }
  const v = config.policy.accessTokenValiditySeconds;
  if (!(v.min <= v.default && v.default <= v.max)) {
    throw new ConfigError(
      `Invalid configuration in ${source}: policy.accessTokenValiditySeconds must satisfy min <= default <= max`,
    );
  }
  config.trustProxy.forEach((entry, index) => {
    const parsed = parseCidr(entry);
    if (!parsed.ok) {
      throw new ConfigError(
        `Invalid configuration in ${source}: trustProxy[${index}] ${problemText(parsed)}`,
      );
    }
  });
  if (config.masterKey !== null && !isMasterKey(config.masterKey)) {
    throw new ConfigError(
      `Invalid configuration in ${source}: masterKey (PATINA_MASTER_KEY) must be 32 random bytes, base64-encoded`,
    );
  }
  if (config.database.url !== null) {
    // Every setting PostgreSQL needs, in one message: a start that names them one at a time
    // takes as many tries as there are missing settings.
    const missing = [
      config.masterKey === null &&
        'masterKey (PATINA_MASTER_KEY), so that every node shares it; make one with: openssl rand -base64 32',
      config.publicBaseUrl === null &&
        config.issuer === null &&
        // Nodes that each default to their own host and port would mint tokens with different
        // issuers, and every other node would refuse them (401s behind the load balancer).
        "publicBaseUrl (PATINA_PUBLIC_BASE_URL), so that every node names the same issuer; set it to the URL clients use (the load balancer's)",
    ].filter((text): text is string => typeof text === 'string');
    if (missing.length > 0) {
      throw new ConfigError(
        `Invalid configuration in ${source}: PostgreSQL needs ${missing.length === 1 ? 'a setting' : 'these settings'}: ${missing.map((text) => `${text}.`).join(' ')}`,
      );
    }
  }
  if (config.email.smtp.url !== null && config.email.smtp.from === null) {
    throw new ConfigError(
      `Invalid configuration in ${source}: email.smtp.from is required with email.smtp.url, so that mail names its sender`,
    );
  }
}

/** Strict base64 (or base64url) of exactly 32 bytes; Buffer.from alone skips bad characters. */
export function isMasterKey(text: string): boolean {
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read config file ${file}`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`Config file ${file} must hold a JSON object`);
    }
    return parsed as Record<string, unknown>;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`Config file ${file} is not valid JSON`, { cause });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The URL clients reach Patina at, derived from host and port when not configured. */
export function publicBaseUrl(config: Config): string {
  if (config.publicBaseUrl) return config.publicBaseUrl.replace(/\/+$/, '');
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.port}`;
}
