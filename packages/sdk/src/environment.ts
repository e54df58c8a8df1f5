/**
 * The settings a client can take from the environment. Patina's names come first; SailPoint's
 * (as its CLI and SDKs read them) are honoured when Patina's are absent, so a SailPoint user's
 * shell works unchanged.
 */
export const ENVIRONMENT_NAMES = {
  baseUrl: ['PATINA_BASE_URL', 'SAIL_BASE_URL', 'SAIL_BASEURL'],
  clientId: ['PATINA_CLIENT_ID', 'SAIL_CLIENT_ID', 'SAIL_CLIENTID'],
  clientSecret: ['PATINA_CLIENT_SECRET', 'SAIL_CLIENT_SECRET', 'SAIL_CLIENTSECRET'],
  accessToken: ['PATINA_ACCESS_TOKEN'],
} as const;

export type EnvironmentSetting = keyof typeof ENVIRONMENT_NAMES;

export type Environment = Readonly<Record<string, string | undefined>>;

/** One setting found in the environment, and the variable it came from. */
export interface FromEnvironment {
  value: string;
  variable: string;
}

/** Each setting's first non-empty variable, in the order of ENVIRONMENT_NAMES. */
export function readEnvironment(
  env: Environment,
): Partial<Record<EnvironmentSetting, FromEnvironment>> {
  const found: Partial<Record<EnvironmentSetting, FromEnvironment>> = {};
  for (const setting of Object.keys(ENVIRONMENT_NAMES) as EnvironmentSetting[]) {
    for (const variable of ENVIRONMENT_NAMES[setting]) {
      const value = env[variable]?.trim();
      if (value) {
        found[setting] = { value, variable };
        break;
      }
    }
  }
  return found;
}

/** The process environment where there is one (Node, Deno, Bun); empty in a browser. */
export function processEnvironment(): Environment {
  const host = globalThis as { process?: { env?: Environment } };
  return host.process?.env ?? {};
}
