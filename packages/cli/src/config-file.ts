import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './errors.js';

/** One named login: where Patina is and the PAT to use there. */
export interface Profile {
  baseUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface PatinaConfig {
  activeProfile?: string;
  profiles: Record<string, Profile>;
}

const HEADER =
  '# Written by `patina login`. It holds PAT secrets: keep it private (the file is mode 0600).\n';

/** `$XDG_CONFIG_HOME/patina/config.yaml`, `~/.config/patina/config.yaml` without it. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'patina', 'config.yaml');
}

/** The file's contents; an empty config when there is no file. */
export function readConfig(path: string): PatinaConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return normalise(raw, path);
}

/** Writes the whole file, mode 0600 in a 0700 directory, by rename so a reader never sees half. */
export function writeConfig(path: string, config: PatinaConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, HEADER + stringify(config), { mode: 0o600 });
  // The mode of a new file is masked by the umask; say it once more to be sure.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function normalise(raw: unknown, path: string): PatinaConfig {
  if (raw === null || raw === undefined) return { profiles: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CliError(`${path}: expected a mapping with 'profiles'`);
  }
  const { activeProfile, profiles } = raw as { activeProfile?: unknown; profiles?: unknown };
  const config: PatinaConfig = { profiles: {} };
  if (typeof activeProfile === 'string') config.activeProfile = activeProfile;
  if (profiles !== undefined && (typeof profiles !== 'object' || profiles === null)) {
    throw new CliError(`${path}: 'profiles' must be a mapping of names to profiles`);
  }
  for (const [name, value] of Object.entries((profiles ?? {}) as Record<string, unknown>)) {
    const profile: Profile = {};
    for (const key of ['baseUrl', 'clientId', 'clientSecret'] as const) {
      const field = (value as Record<string, unknown> | null)?.[key];
      if (typeof field === 'string' && field !== '') profile[key] = field;
    }
    config.profiles[name] = profile;
  }
  return config;
}
