import { afterAll, beforeAll } from 'vitest';
import { startPatina, type PatinaServer } from '../../sdk/test/patina-server.js';

/**
 * Settings for a server whose webhooks and push streams deliver to a receiver on loopback over
 * plain http, which the SSRF guard refuses unless told otherwise.
 */
export const LOOPBACK_RECEIVERS = {
  webhooks: { allowHttp: true, allowPrivateNetworks: true },
};

/**
 * One server for the tests of the describe block this is called in: started before them and
 * stopped after them. What it returns reads the running server, so it is used inside tests (and
 * hooks), not while the block is being collected.
 */
export function serverForTheseTests(config?: Record<string, unknown>): PatinaServer {
  let started: PatinaServer | undefined;
  beforeAll(async () => {
    started = await startPatina(config ? { config } : {});
  });
  afterAll(() => started?.stop());
  const server = (): PatinaServer => {
    if (!started) throw new Error('The test server is started in beforeAll: use it inside a test');
    return started;
  };
  return {
    get baseUrl() {
      return server().baseUrl;
    },
    get admin() {
      return server().admin;
    },
    get adminClient() {
      return server().adminClient;
    },
    get dataDir() {
      return server().dataDir;
    },
    stop: () => server().stop(),
  };
}

/** The environment that points `patina` at the server, signed in with the user's PAT. */
export function patinaEnv(
  server: Pick<PatinaServer, 'baseUrl'>,
  user: { clientId: string; clientSecret: string },
): Record<string, string> {
  return {
    PATINA_BASE_URL: server.baseUrl,
    PATINA_CLIENT_ID: user.clientId,
    PATINA_CLIENT_SECRET: user.clientSecret,
  };
}
