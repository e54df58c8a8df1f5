import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * SailPoint's CLI (`sail`) keeps its environments in `~/.sailpoint/config.yaml`:
 *
 *   authtype: pat
 *   activeenvironment: mytenant
 *   environments:
 *     mytenant:
 *       baseurl: https://mytenant.api.identitynow.com
 *       pat: { clientid: …, clientsecret: … }
 *
 * Newer versions keep the PAT in the system keyring instead; then only the base URL (and perhaps
 * the client id) come from here, and the secret must come from the environment.
 */
export interface SailPointEnvironment {
  path: string;
  name: string;
  baseUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

export function sailPointConfigPath(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.HOME?.trim() || homedir(), '.sailpoint', 'config.yaml');
}

/**
 * The environment `name` (default: the active one) when it authenticates with a PAT; undefined
 * when there is no file, no such environment, or it uses another auth type. A file that cannot
 * be read as YAML is passed over: it is another tool's, and Patina does not need it.
 */
export function readSailPointEnvironment(
  path: string,
  name: string | undefined,
): SailPointEnvironment | undefined {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const root = raw as Record<string, unknown>;
  // sail lower-cases environment names and defaults the active one to "default".
  const chosen = (name ?? stringAt(root, 'activeenvironment') ?? 'default').toLowerCase();
  const environments = root.environments;
  if (typeof environments !== 'object' || environments === null) return undefined;
  const entry: unknown = Object.entries(environments as Record<string, unknown>).find(
    ([key]) => key.toLowerCase() === chosen,
  )?.[1];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const environment = entry as Record<string, unknown>;
  const authType = (
    stringAt(environment, 'authtype') ??
    stringAt(root, 'authtype') ??
    'pat'
  ).toLowerCase();
  if (authType !== 'pat') return undefined;
  const pat = (typeof environment.pat === 'object' && environment.pat) || {};
  const found: SailPointEnvironment = { path, name: chosen };
  const baseUrl = stringAt(environment, 'baseurl');
  const clientId = stringAt(pat as Record<string, unknown>, 'clientid');
  const clientSecret = stringAt(pat as Record<string, unknown>, 'clientsecret');
  if (baseUrl) found.baseUrl = baseUrl;
  if (clientId) found.clientId = clientId;
  if (clientSecret) found.clientSecret = clientSecret;
  return found;
}

function stringAt(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
