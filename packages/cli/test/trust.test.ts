import { GITHUB_ACTIONS_ISSUER, GITLAB_COM_ISSUER, RIGHTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { patinaEnv, serverForTheseTests } from './test-server.js';

const TP_ID = /^tp_[0-9a-f]{32}$/;
const SCOPE = RIGHTS.myRead;

/** The templates' issuers are known to the server: creating from one fetches nothing. */
describe('patina trust', () => {
  // A Kubernetes cluster's issuer on loopback, its keys named: nothing is fetched at create.
  const server = serverForTheseTests({
    federation: { allowHttp: true, allowPrivateNetworks: true },
  });

  async function setUp() {
    const box = sandbox();
    const env = patinaEnv(server, server.admin);
    const { identity } = await newUser(server);
    const patina = (...args: string[]) => box.patina(args, { env });
    return { box, env, identity, patina };
  }

  it('create from a template, list, show, update, delete', async () => {
    const { identity, patina } = await setUp();
    const created = await patina(
      'trust',
      'create',
      '--name',
      'acme/app deploys',
      '--template',
      'github-actions',
      '--repository',
      'acme/app',
      '--identity',
      identity.id,
      '--scope',
      SCOPE,
      '--max-lifetime',
      '1h',
    );
    expect(created.code, created.stderr).toBe(0);
    // The id alone on stdout, for scripts; the rest on stderr.
    const id = created.stdout.trim();
    expect(id).toMatch(TP_ID);
    expect(created.stdout).toBe(`${id}\n`);
    expect(created.stderr.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^Created +acme/app deploys \\(${id}\\)$`)),
      expect.stringMatching(/^Status +enabled$/),
      expect.stringMatching(new RegExp(`^Issuer +${GITHUB_ACTIONS_ISSUER}$`)),
      expect.stringMatching(new RegExp(`^Audience +${server.baseUrl}$`)),
      expect.stringMatching(/^Conditions +repository = acme\/app$/),
      expect.stringMatching(/^ +sub = repo:acme\/app:\*$/),
      expect.stringMatching(new RegExp(`^Identity +${identity.name} \\(${identity.id}\\)$`)),
      expect.stringMatching(new RegExp(`^Scopes +${SCOPE}$`)),
      expect.stringMatching(/^Token lifetime +1h \(3600 s\)$/),
      `Workloads trade their token (aud ${server.baseUrl}) at ${server.baseUrl}/oauth/token`,
      'with grant_type urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693) or urn:ietf:params:oauth:grant-type:jwt-bearer (RFC 7523).',
      '',
    ]);

    const table = await patina('trust', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME +ISSUER +IDENTITY +SCOPES +STATUS +LAST USED +ID$/m);
    expect(table.stdout).toMatch(
      new RegExp(
        `^acme/app deploys +${GITHUB_ACTIONS_ISSUER} +${identity.name} +${SCOPE} +enabled +never +${id}$`,
        'm',
      ),
    );
    const listed = JSON.parse((await patina('trust', 'list', '--json')).stdout) as {
      id: string;
    }[];
    expect(listed.find((p) => p.id === id)).toMatchObject({
      name: 'acme/app deploys',
      template: 'github-actions',
      maxTokenLifetimeSeconds: 3600,
    });

    const shown = await patina('trust', 'show', id);
    expect(shown.code).toBe(0);
    for (const line of [
      /^Name +acme\/app deploys$/,
      new RegExp(`^ID +${id}$`),
      /^Status +enabled$/,
      /^Template +github-actions$/,
      new RegExp(`^Issuer +${GITHUB_ACTIONS_ISSUER}$`),
      /^Keys +from the issuer's discovery document$/,
      /^Conditions +repository = acme\/app$/,
      /^DPoP +optional$/,
      /^Last used +never$/,
      /^Created +\S+Z \(just now\)$/,
      /^Modified +\S+Z \(just now\)$/,
    ]) {
      expect(shown.stdout).toMatch(new RegExp(line.source, 'm'));
    }
    expect(JSON.parse((await patina('trust', 'show', id, '--json')).stdout)).toMatchObject({
      id,
      conditions: { repository: 'acme/app', sub: 'repo:acme/app:*' },
    });

    // The same claim again is an alternative; --condition replaces every condition.
    const updated = await patina(
      'trust',
      'update',
      id,
      '--disable',
      '--name',
      'acme/app releases',
      '--condition',
      'repository=acme/app',
      '--condition',
      'ref=refs/heads/main',
      '--condition',
      'ref=refs/tags/v*',
      '--max-lifetime',
      '30m',
      '--require-dpop',
      '--json',
    );
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      id,
      name: 'acme/app releases',
      enabled: false,
      conditions: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
      maxTokenLifetimeSeconds: 1800,
      requireDpop: true,
    });
    expect((await patina('trust', 'show', id)).stdout).toMatch(
      /^DPoP +required: bound tokens only$/m,
    );
    const relaxed = await patina('trust', 'update', id, '--no-require-dpop', '--json');
    expect(JSON.parse(relaxed.stdout)).toMatchObject({ requireDpop: false });
    const enabled = await patina('trust', 'update', id, '--enable');
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toBe('');
    expect(enabled.stderr).toMatch(new RegExp(`^Changed +acme/app releases \\(${id}\\)$`, 'm'));
    expect(enabled.stderr).toMatch(/^Status +enabled$/m);
    expect(enabled.stderr).toMatch(/^ +ref = refs\/heads\/main \| refs\/tags\/v\*$/m);

    expect(await patina('trust', 'delete', id)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Refusing to delete without confirmation: pass --yes\n',
    });
    expect(await patina('trust', 'delete', id, '--yes')).toEqual({
      code: 0,
      stdout: '',
      stderr: `Deleted trust policy ${id}.\n`,
    });
    const gone = await patina('trust', 'show', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(
      new RegExp(
        `^patina: GET /patina/v1/federation/trust-policies/\\{id\\} failed with 404 404 Not found: Trust policy '${id}' was not found \\(trackingId [0-9a-f]{32}\\)\\n$`,
      ),
    );
    expect(JSON.parse((await patina('trust', 'list', '--json')).stdout)).not.toContainEqual(
      expect.objectContaining({ id }),
    );
  });

  it('create from the gitlab-ci and kubernetes templates, and from conditions alone', async () => {
    const { identity, patina } = await setUp();
    const common = ['--identity', identity.id, '--scope', SCOPE, '--json'];
    const gitlab = await patina(
      'trust',
      'create',
      '--name',
      'runner',
      '--template',
      'gitlab-ci',
      '--project-path',
      'acme/app',
      '--ref',
      'main',
      '--disabled',
      ...common,
      // A scope given twice is sent once.
      '--scope',
      SCOPE,
    );
    expect(gitlab.code, gitlab.stderr).toBe(0);
    expect(JSON.parse(gitlab.stdout)).toMatchObject({
      issuer: GITLAB_COM_ISSUER,
      template: 'gitlab-ci',
      enabled: false,
      scope: [SCOPE],
      conditions: expect.objectContaining({ project_path: 'acme/app' }) as unknown,
    });

    // --issuer is the cluster's issuer, a parameter of the kubernetes template.
    const cluster = 'http://127.0.0.1:9/cluster';
    const kubernetes = await patina(
      'trust',
      'create',
      '--name',
      'exporter',
      '--template',
      'kubernetes',
      '--issuer',
      cluster,
      '--jwks-uri',
      `${cluster}/openid/v1/jwks`,
      '--namespace',
      'batch',
      '--service-account',
      'exporter',
      ...common,
    );
    expect(kubernetes.code, kubernetes.stderr).toBe(0);
    expect(JSON.parse(kubernetes.stdout)).toMatchObject({
      issuer: cluster,
      jwksUri: `${cluster}/openid/v1/jwks`,
      template: 'kubernetes',
      conditions: expect.objectContaining({
        sub: 'system:serviceaccount:batch:exporter',
      }) as unknown,
    });

    const bare = await patina(
      'trust',
      'create',
      '--name',
      'buildkite',
      '--issuer',
      cluster,
      '--jwks-uri',
      `${cluster}/jwks`,
      '--audience',
      'patina-ci',
      '--condition',
      'sub=organization:acme:pipeline:deploy:*',
      ...common,
    );
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({
      issuer: cluster,
      audience: 'patina-ci',
      template: null,
      conditions: { sub: 'organization:acme:pipeline:deploy:*' },
    });
    const { id } = JSON.parse(bare.stdout) as { id: string };
    const discovery = await patina('trust', 'update', id, '--jwks-uri', '', '--json');
    expect(JSON.parse(discovery.stdout)).toMatchObject({ id, jwksUri: null });
  });

  it('usage errors exit 2 and name the flag; the API refuses a non-administrator', async () => {
    const { identity, patina } = await setUp();
    const pasted = `patina_${'Q'.repeat(57)}`;
    const create = ['trust', 'create', '--name', 'x', '--identity', identity.id, '--scope', SCOPE];
    const cases: [string[], string][] = [
      [
        ['trust', 'create', '--name', 'x', '--identity', identity.id],
        "patina: required option '--scope <scope...>' not specified\n",
      ],
      [
        [...create, '--max-lifetime', '30s'],
        'patina: --max-lifetime must be a span from 1m to 12h, like 15m or 1h\n',
      ],
      [
        [...create, '--template', 'github-actions', '--repository', 'a/b', '--issuer', 'https://x'],
        'patina: --issuer does not go with --template github-actions: its issuer is fixed\n',
      ],
      [
        [...create, '--max-lifetime', '13h'],
        'patina: --max-lifetime must be a span from 1m to 12h, like 15m or 1h\n',
      ],
      [
        [...create, '--condition', 'sub'],
        'patina: --condition must be claim=value, e.g. --condition ref=refs/heads/main\n',
      ],
      [
        [...create, '--repository', 'acme/app', '--ref', 'main'],
        'patina: --repository and --ref need --template\n',
      ],
      [
        ['trust', 'create', '--name', 'x', '--identity', pasted, '--scope', SCOPE],
        'patina: That is not an identity id (32 lowercase hex characters, as `patina identities list` shows)\n',
      ],
      [
        ['trust', 'show', pasted],
        'patina: That is not a trust policy id (tp_ and 32 lowercase hex characters, as `patina trust list` shows)\n',
      ],
      [
        ['trust', 'update', `tp_${'0'.repeat(32)}`],
        'patina: Nothing to change: give --name, --issuer, --jwks-uri, --audience, --condition, --identity, --scope, --max-lifetime, --require-dpop, --no-require-dpop, --enable or --disable\n',
      ],
      [
        ['trust', 'update', `tp_${'0'.repeat(32)}`, '--enable', '--disable'],
        "patina: option '--disable' cannot be used with option '--enable'\n",
      ],
    ];
    for (const [args, stderr] of cases) {
      expect({ args, ...(await patina(...args)) }).toEqual({ args, code: 2, stdout: '', stderr });
    }
    const template = await patina(...create, '--template', 'circleci');
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(
      /^patina: option '--template <template>' argument 'circleci' is invalid/,
    );

    // The server's 400 names the field; nothing was made.
    const refused = await patina(
      ...create,
      '--issuer',
      'ftp://issuer.example.com',
      '--condition',
      'sub=x',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^patina: POST \/patina\/v1\/federation\/trust-policies failed with 400 400\.1\.3 Illegal value: 'issuer' must be an https URL \(trackingId [0-9a-f]{32}\)\n$/,
    );
    // A template's parameter the template does not take: the server names it.
    const k8s = [
      '--template',
      'kubernetes',
      '--issuer',
      'http://127.0.0.1:9',
      '--repository',
      'a/b',
    ];
    const stray = await patina(...create, ...k8s, '--namespace', 'n', '--service-account', 's');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain(
      "Illegal value: 'templateParameters.repository' is not a parameter of the kubernetes template (it takes issuer, namespace, serviceAccount)",
    );

    const user = await newUser(server);
    const forbidden = await sandbox().patina(['trust', 'list'], { env: patinaEnv(server, user) });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(
      /^patina: GET \/patina\/v1\/federation\/trust-policies failed with 403 403 Forbidden: Reading trust policies needs the right sp:all-personal-access-tokens:read \(trackingId [0-9a-f]{32}\)\n$/,
    );
  });

  it('--help of every trust command shows an example', async () => {
    const box = sandbox();
    for (const command of [[], ['list'], ['create'], ['show'], ['update'], ['delete']]) {
      const help = await box.patina(['trust', ...command, '--help']);
      expect({ command, code: help.code, stderr: help.stderr }).toEqual({
        command,
        code: 0,
        stderr: '',
      });
      expect(help.stdout).toContain(`Usage: patina trust ${command.join(' ')}`.trimEnd());
      expect(help.stdout).toMatch(/\nExamples:\n {2}\$ patina trust /);
    }
  });
});
