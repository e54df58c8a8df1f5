import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { patinaEnv, serverForTheseTests } from './test-server.js';

const HEX32 = /^[0-9a-f]{32}$/;
const SECRET = /^patina_[0-9A-Za-z]{57}$/;

describe('a PAT owner’s session', () => {
  const server = serverForTheseTests();

  it('login → create → list → show → rename → token → delete → logout', async () => {
    const box = sandbox();
    const user = await newUser(server);

    const login = await box.patina(
      [
        'login',
        '--base-url',
        server.baseUrl,
        '--client-id',
        user.clientId,
        '--client-secret-stdin',
      ],
      { stdin: `${user.clientSecret}\n` },
    );
    expect(login).toEqual({
      code: 0,
      stdout: '',
      stderr: `✓ Logged in to ${server.baseUrl} as ${user.identity.login} (profile default; kept in ~/.config/patina/config.yaml)\n`,
    });
    expect(statSync(box.configFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${box.home}/.config/patina`).mode & 0o777).toBe(0o700);
    expect(parse(readFileSync(box.configFile, 'utf8'))).toEqual({
      activeProfile: 'default',
      profiles: {
        default: {
          baseUrl: server.baseUrl,
          clientId: user.clientId,
          clientSecret: user.clientSecret,
        },
      },
    });

    // The secret alone on stdout, so it can be piped; the rest on stderr.
    const create = await box.patina([
      'pat',
      'create',
      'CI pipeline',
      '--scope',
      'sp:my-personal-access-tokens:read',
      '--expires',
      '30d',
      '--token-lifetime',
      '600',
    ]);
    expect(create.code).toBe(0);
    const secret = create.stdout.trim();
    expect(create.stdout).toBe(`${secret}\n`);
    expect(secret).toMatch(SECRET);
    const id = /^Created +CI pipeline \(([0-9a-f]{32})\)$/m.exec(create.stderr)?.[1];
    expect(id).toMatch(HEX32);
    expect(create.stderr).toContain('Expires  in 30 days\n');
    expect(create.stderr).toContain('The secret is shown this once, on stdout; store it now.');
    expect(create.stderr).not.toContain(secret);

    const table = await box.patina(['pat', 'list', '--sort', 'name']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^NAME +ID +SCOPES +CREATED +LAST USED +EXPIRES$/),
      expect.stringMatching(
        new RegExp(
          `^CI pipeline +${id} +sp:my-personal-access-tokens:read +just now +never +in 30 days$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^login +${user.clientId} +sp:scopes:all +just now +just now +in 6 months$`),
      ),
      '',
    ]);

    const listed = await box.patina(['pat', 'list', '--json', '--sort', 'name']);
    expect(listed.code).toBe(0);
    const pats = JSON.parse(listed.stdout) as { id: string; name: string; scope: string[] }[];
    expect(pats.map((p) => [p.id, p.name])).toEqual([
      [id, 'CI pipeline'],
      [user.clientId, 'login'],
    ]);
    expect(listed.stdout).not.toContain('patina_');

    const shown = await box.patina(['pat', 'show', id!, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id,
      name: 'CI pipeline',
      accessTokenValiditySeconds: 600,
    });

    const renamed = await box.patina(['pat', 'rename', id!, 'CI pipeline (prod)']);
    expect(renamed).toEqual({
      code: 0,
      stdout: '',
      stderr: `Renamed ${id} to CI pipeline (prod).\n`,
    });

    // The access token printed for scripts works on the API.
    const token = await box.patina(['token']);
    expect(token.code).toBe(0);
    const response = await fetch(`${server.baseUrl}/v3/personal-access-tokens?owner-id=me`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(response.status).toBe(200);

    // Without a terminal and without --yes, nothing is deleted.
    const refused = await box.patina(['pat', 'delete', id!]);
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Refusing to delete without confirmation: pass --yes\n',
    });
    const deleted = await box.patina(['pat', 'delete', id!, '--yes']);
    expect(deleted).toEqual({ code: 0, stdout: '', stderr: `Deleted ${id}.\n` });
    const after = await box.patina(['pat', 'list', '--json']);
    expect((JSON.parse(after.stdout) as { id: string }[]).map((p) => p.id)).toEqual([
      user.clientId,
    ]);

    // The new PAT's secret, piped from `pat create`, logs in a second profile.
    const again = await box.patina(['pat', 'create', 'second']);
    const secondId = /\(([0-9a-f]{32})\)/.exec(again.stderr)![1]!;
    const second = await box.patina(
      [
        'login',
        '--profile',
        'ci',
        '--base-url',
        server.baseUrl,
        '--client-id',
        secondId,
        '--client-secret-stdin',
        '--json',
      ],
      { stdin: again.stdout },
    );
    expect(JSON.parse(second.stdout)).toEqual({
      profile: 'ci',
      baseUrl: server.baseUrl,
      clientId: secondId,
      user: user.identity.login,
      configFile: box.configFile,
    });
    const who = await box.patina(['whoami', '--json', '--profile', 'default']);
    expect(JSON.parse(who.stdout)).toMatchObject({ pat: { id: user.clientId } });

    expect(await box.patina(['logout', '--profile', 'ci'])).toMatchObject({ code: 0 });
    expect(await box.patina(['logout'])).toMatchObject({ code: 0 });
    expect(await box.patina(['whoami'])).toEqual({
      code: 4,
      stdout: '',
      stderr:
        'patina: Not logged in (profile default): no base URL; run `patina login`, or set PATINA_BASE_URL\n',
    });
  });

  it('errors name the trackingId and exit 1; refused credentials exit 4 and are not kept', async () => {
    const box = sandbox();
    const user = await newUser(server);
    const env = patinaEnv(server, user);
    const missing = await box.patina(
      ['pat', 'delete', '0123456789abcdef0123456789abcdef', '--yes'],
      { env },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^patina: DELETE \/v3\/personal-access-tokens\/\{id\} failed with 404 404 Not found: Personal access token '0123456789abcdef0123456789abcdef' was not found \(trackingId [0-9a-f]{32}\)\n$/,
    );

    const forbidden = await box.patina(['identities', 'list'], { env });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(
      /needs the right sp:all-personal-access-tokens:read \(trackingId [0-9a-f]{32}\)/,
    );

    const wrong = `patina_${'x'.repeat(57)}`;
    const refused = await box.patina(
      [
        'login',
        '--base-url',
        server.baseUrl,
        '--client-id',
        user.clientId,
        '--client-secret-stdin',
      ],
      { stdin: wrong },
    );
    expect(refused).toEqual({
      code: 4,
      stdout: '',
      stderr:
        'patina: The server refused the credentials: POST /oauth/token failed with 401 invalid_client: Bad client credentials; run `patina login` (or set PATINA_CLIENT_ID and PATINA_CLIENT_SECRET)\n',
    });
    expect(() => statSync(box.configFile)).toThrow();

    const downUrl = `http://127.0.0.1:${await freePort()}`;
    const down = await box.patina(['pat', 'list'], { env: { ...env, PATINA_BASE_URL: downUrl } });
    expect(down).toEqual({
      code: 1,
      stdout: '',
      stderr: `patina: Cannot reach Patina at ${downUrl} for POST /oauth/token: fetch failed (ECONNREFUSED)\n`,
    });
  });
});
