import { PatinaClient, readEnvironment, type EnvironmentSetting } from '@patina/sdk';
import { configPath, readConfig, type PatinaConfig } from './config-file.js';
import { notLoggedIn, usageError } from './errors.js';
import { readSailPointEnvironment, sailPointConfigPath } from './sailpoint-config.js';

/** A setting's value and where it came from, as `patina whoami` shows it. */
export interface Setting {
  value: string;
  source: string;
}

export interface Settings {
  profile: Setting;
  configPath: string;
  baseUrl?: Setting;
  clientId?: Setting;
  clientSecret?: Setting;
  accessToken?: Setting;
}

export interface GlobalFlags {
  baseUrl?: string;
  profile?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Each setting from the first place that has it: a flag, then the environment (Patina's names,
 * then SailPoint's), then the profile in Patina's config file, then SailPoint's config file.
 */
export function resolveSettings(flags: GlobalFlags, env: Env): Settings {
  const path = configPath(env);
  const config = readConfig(path);
  const profile = chooseProfile(flags, env, config, path);
  const stored = config.profiles[profile.value];
  const fromEnv = readEnvironment(env);
  const settings: Settings = { profile, configPath: path };

  const fileSource = `file ${tilde(path, env)} (profile ${profile.value})`;
  // SailPoint's file stands in only where Patina has no such profile of its own.
  const sail = stored
    ? undefined
    : readSailPointEnvironment(
        sailPointConfigPath(env),
        profile.source === 'default' || profile.source.startsWith('file')
          ? undefined
          : profile.value,
      );
  const sailSource = sail && `file ${tilde(sail.path, env)} (environment ${sail.name})`;

  const pick = (setting: EnvironmentSetting, flag?: { value?: string; name: string }) => {
    if (flag?.value) return { value: flag.value, source: `flag ${flag.name}` };
    const found = fromEnv[setting];
    if (found) return { value: found.value, source: `env ${found.variable}` };
    if (setting === 'accessToken') return undefined;
    const inFile = stored?.[setting];
    if (inFile) return { value: inFile, source: fileSource };
    const inSail = sail?.[setting];
    if (inSail && sailSource) return { value: inSail, source: sailSource };
    return undefined;
  };
  const assign = (key: EnvironmentSetting, value: Setting | undefined) => {
    if (value) settings[key] = value;
  };
  assign('baseUrl', pick('baseUrl', { value: flags.baseUrl, name: '--base-url' }));
  assign('clientId', pick('clientId'));
  assign('clientSecret', pick('clientSecret'));
  assign('accessToken', pick('accessToken'));
  return settings;
}

/**
 * The client the settings describe. An access token from the environment beats client
 * credentials from a file; client credentials beat an access token otherwise.
 */
export function clientFrom(settings: Settings, options: { fetch?: typeof fetch } = {}) {
  const { baseUrl, clientId, clientSecret, accessToken } = settings;
  if (!baseUrl) {
    throw notLoggedIn(
      `Not logged in (profile ${settings.profile.value}): no base URL; run \`patina login\`, or set PATINA_BASE_URL`,
    );
  }
  checkBaseUrl(baseUrl);
  const envToken = accessToken && !clientId?.source.startsWith('env');
  const common = { baseUrl: baseUrl.value, ...(options.fetch && { fetch: options.fetch }) };
  if (accessToken && (envToken || !clientId || !clientSecret)) {
    return new PatinaClient({ ...common, accessToken: accessToken.value });
  }
  if (clientId && clientSecret) {
    return new PatinaClient({
      ...common,
      clientId: clientId.value,
      clientSecret: clientSecret.value,
    });
  }
  throw notLoggedIn(
    clientId
      ? `Not logged in (profile ${settings.profile.value}): a client id (${clientId.source}) but no secret; run \`patina login\`, or set PATINA_CLIENT_SECRET`
      : `Not logged in (profile ${settings.profile.value}): run \`patina login\`, or set PATINA_CLIENT_ID and PATINA_CLIENT_SECRET`,
  );
}

/** A base URL the user typed is checked here, so a typo is a usage error (exit 2). */
export function checkBaseUrl(setting: Setting): void {
  let url: URL | undefined;
  try {
    url = new URL(setting.value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw usageError(
      `The base URL from ${setting.source} is not an http:// or https:// URL (e.g. http://127.0.0.1:7070)`,
    );
  }
}

function chooseProfile(flags: GlobalFlags, env: Env, config: PatinaConfig, path: string): Setting {
  if (flags.profile) return { value: flags.profile, source: 'flag --profile' };
  const fromEnv = env.PATINA_PROFILE?.trim();
  if (fromEnv) return { value: fromEnv, source: 'env PATINA_PROFILE' };
  if (config.activeProfile) {
    return { value: config.activeProfile, source: `file ${tilde(path, env)}` };
  }
  return { value: 'default', source: 'default' };
}

/** The path with the home directory written as ~, for messages. */
export function tilde(path: string, env: Env): string {
  const home = env.HOME;
  return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
