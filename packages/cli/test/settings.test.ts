import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { serverForTheseTests } from './test-server.js';

interface Whoami {
  baseUrl: string;
  identity: { id: string; login: string };
  pat: { id: string; name?: string };
  settings: Record<string, { value: string; source: string }>;
}

describe('where settings come from', () => {
  const server = serverForTheseTests();

  async function whoami(box: ReturnType<typeof sandbox>, args: string[] = [], env = {}) {
    const outcome = await box.patina(['whoami', '--json', ...args], { env });
    if (outcome.code !== 0) throw new Error(`whoami exited ${outcome.code}: ${outcome.stderr}`);
    return JSON.parse(outcome.stdout) as Whoami;
  }

  it('a flag beats the environment, which beats the profile file', async () => {
    const box = sandbox();
    const filed = await newUser(server);
    const fromEnv = await newUser(server);
    mkdirSync(join(box.home, '.config', 'patina'), { recursive: true });
    writeFileSync(
      box.configFile,
      stringify({
        activeProfile: 'default',
        profiles: {
          default: {
            baseUrl: 'http://127.0.0.1:1',
            clientId: filed.clientId,
            clientSecret: filed.clientSecret,
          },
        },
      }),
    );
    // The profile's base URL is one where nothing listens.
    const file = '~/.config/patina/config.yaml';

    const onlyFile = await box.patina(['whoami']);
    expect(onlyFile.code).toBe(1);
    expect(onlyFile.stderr).toMatch(
      /^patina: Cannot reach Patina at http:\/\/\S+ for POST \/oauth\/token/,
    );

    const flagged = await whoami(box, ['--base-url', server.baseUrl]);
    expect(flagged.identity.login).toBe(filed.identity.login);
    expect(flagged.pat).toEqual({
      id: filed.clientId,
      name: 'login',
      scope: ['sp:scopes:all'],
      expirationDate: filed.pat.expirationDate,
    });
    expect(flagged.settings).toEqual({
      profile: { value: 'default', source: `file ${file}` },
      baseUrl: { value: server.baseUrl, source: 'flag --base-url' },
      clientId: { value: filed.clientId, source: `file ${file} (profile default)` },
      clientSecret: { value: '(hidden)', source: `file ${file} (profile default)` },
    });

    const envd = await whoami(box, [], {
      PATINA_BASE_URL: server.baseUrl,
      SAIL_CLIENT_ID: fromEnv.clientId,
      SAIL_CLIENTSECRET: fromEnv.clientSecret,
    });
    expect(envd.identity.login).toBe(fromEnv.identity.login);
    expect(envd.settings).toEqual({
      profile: { value: 'default', source: `file ${file}` },
      baseUrl: { value: server.baseUrl, source: 'env PATINA_BASE_URL' },
      clientId: { value: fromEnv.clientId, source: 'env SAIL_CLIENT_ID' },
      clientSecret: { value: '(hidden)', source: 'env SAIL_CLIENTSECRET' },
    });
  });

  it('an access token from the environment is used as is', async () => {
    const box = sandbox();
    const user = await newUser(server);
    const token = await server.adminClient.accessToken();
    const who = await whoami(box, [], {
      PATINA_BASE_URL: server.baseUrl,
      PATINA_ACCESS_TOKEN: token,
    });
    expect(who.identity.login).toBe('admin');
    expect(who.settings.accessToken).toEqual({
      value: '(hidden)',
      source: 'env PATINA_ACCESS_TOKEN',
    });
    expect(JSON.stringify(who)).not.toContain(token);
    expect(user.clientId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("SailPoint's ~/.sailpoint/config.yaml environments with authtype pat", async () => {
    const box = sandbox();
    const user = await newUser(server);
    mkdirSync(join(box.home, '.sailpoint'));
    writeFileSync(
      join(box.home, '.sailpoint', 'config.yaml'),
      stringify({
        authtype: 'pat',
        activeenvironment: 'patina',
        environments: {
          patina: {
            baseurl: server.baseUrl,
            tenanturl: server.baseUrl,
            pat: { clientid: user.clientId, clientsecret: user.clientSecret },
          },
          oauthonly: { baseurl: server.baseUrl, authtype: 'oauth' },
        },
      }),
    );
    const sail = '~/.sailpoint/config.yaml (environment patina)';
    const who = await whoami(box);
    expect(who.identity.login).toBe(user.identity.login);
    expect(who.settings).toEqual({
      profile: { value: 'default', source: 'default' },
      baseUrl: { value: server.baseUrl, source: `file ${sail}` },
      clientId: { value: user.clientId, source: `file ${sail}` },
      clientSecret: { value: '(hidden)', source: `file ${sail}` },
    });

    // An environment that does not use a PAT is not one Patina can log in with.
    const oauth = await box.patina(['whoami', '--profile', 'oauthonly']);
    expect(oauth).toEqual({
      code: 4,
      stdout: '',
      stderr:
        'patina: Not logged in (profile oauthonly): no base URL; run `patina login`, or set PATINA_BASE_URL\n',
    });
  });

  it('a named profile is chosen by --profile or PATINA_PROFILE', async () => {
    const box = sandbox();
    const first = await newUser(server);
    const second = await newUser(server);
    for (const [profile, user] of [
      ['first', first],
      ['second', second],
    ] as const) {
      const login = await box.patina(
        [
          'login',
          '--profile',
          profile,
          '--base-url',
          server.baseUrl,
          '--client-id',
          user.clientId,
          '--client-secret-stdin',
        ],
        { stdin: user.clientSecret },
      );
      expect(login.code).toBe(0);
    }
    // The last login is the active profile.
    expect((await whoami(box)).pat.id).toBe(second.clientId);
    expect((await whoami(box, ['--profile', 'first'])).pat.id).toBe(first.clientId);
    const byEnv = await whoami(box, [], { PATINA_PROFILE: 'first' });
    expect(byEnv.settings.profile).toEqual({ value: 'first', source: 'env PATINA_PROFILE' });
    expect(byEnv.pat.id).toBe(first.clientId);
  });
});
