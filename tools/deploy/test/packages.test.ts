import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, until } from './docker.js';
import { CONSUMER, PATS_SCRIPT, RESOURCE_SERVER_SCRIPT } from './installed-scripts.js';
import { Background, outsideEnv, run, succeed } from './outside.js';

/**
 * The packages as someone outside this repository gets them: `npm pack` of each workspace, the
 * tarballs checked by publint and attw, then installed with `npm install <tarballs>` into an
 * empty folder under the system's temporary directory, where `patina-server`, `patina`, the SDK
 * and @patina/verify are used as their READMEs say. Needs the root build (`npm test` runs it
 * first) and the npm registry for the third-party dependencies; the install compiles
 * better-sqlite3 where no prebuilt binary fits, which takes minutes.
 */

const PACKAGES = ['contract', 'sdk', 'verify', 'cli', 'console', 'server'] as const;
type Package = (typeof PACKAGES)[number];
/** What each package's build leaves behind, and the tarball ships. */
const BUILT: Record<Package, string> = {
  contract: 'dist/index.js',
  sdk: 'dist/index.js',
  verify: 'dist/index.js',
  cli: 'dist/main.js',
  console: 'dist/index.html',
  server: 'dist/main.js',
};
/** The packages with an import entry point (the other three are commands or files). */
const LIBRARIES: Package[] = ['contract', 'sdk', 'verify'];

const INSTALL_TIMEOUT_MS = 20 * 60_000;
const TEST_TIMEOUT_MS = 180_000;
/** @patina/verify promises a second; a loaded two-core machine gets ten. */
const REFUSAL_LIMIT_MS = 10_000;

function builtOrFail(): void {
  const missing = PACKAGES.filter((name) => !existsSync(join(ROOT, 'packages', name, BUILT[name])));
  if (missing.length > 0) {
    throw new Error(
      `Not built: ${missing.map((name) => `packages/${name}/${BUILT[name]}`).join(', ')}. ` +
        'Run `npm run build` at the repository root first (`npm test` does).',
    );
  }
}

const temporaryDirs: string[] = [];
function temporaryDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  temporaryDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

/** packages/<name> packed by npm into a temporary folder: the tarball of each, by name. */
async function packAll(): Promise<Record<Package, string>> {
  builtOrFail();
  const into = temporaryDir('patina-tarballs-');
  const { stdout } = await succeed(
    'npm pack',
    'npm',
    [
      'pack',
      ...PACKAGES.flatMap((name) => ['-w', `@patina/${name}`]),
      '--pack-destination',
      into,
      '--json',
    ],
    { cwd: ROOT, timeoutMs: 300_000 },
  );
  const packed = JSON.parse(stdout) as { name: string; filename: string }[];
  return Object.fromEntries(
    packed.map(({ name, filename }) => [name.replace('@patina/', ''), join(into, filename)]),
  ) as Record<Package, string>;
}

let packing: Promise<Record<Package, string>> | undefined;
/** Packs once, for every test that needs the tarballs. */
function tarballs(): Promise<Record<Package, string>> {
  packing ??= packAll();
  return packing;
}

describe('the packed tarballs', () => {
  it('are the six packages, each with its README and LICENSE', { timeout: 300_000 }, async () => {
    const packed = await tarballs();
    expect(Object.keys(packed).sort()).toEqual([...PACKAGES].sort());
    for (const name of PACKAGES) {
      const listing = await succeed('tar', 'tar', ['-tzf', packed[name]], { cwd: ROOT });
      const files = listing.stdout.split('\n');
      expect(files).toContain('package/README.md');
      expect(files).toContain('package/LICENSE');
      expect(files).toContain(`package/${BUILT[name]}`);
      expect(files.filter((file) => /\.tsbuildinfo$|\/(src|test)\//.test(file))).toEqual([]);
    }
  });

  it.each(PACKAGES)('@patina/%s passes publint --strict', { timeout: 300_000 }, async (name) => {
    const packed = await tarballs();
    const outcome = await run(
      join(ROOT, 'node_modules/.bin/publint'),
      ['run', packed[name], '--strict'],
      { cwd: ROOT },
    );
    expect({ status: outcome.status, output: outcome.stdout + outcome.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('All good!') as unknown,
    });
  });

  // esm-only: every package is ESM and exports only an `import` condition, so require() from
  // CommonJS (node16-cjs) and node10 resolution, which ignores `exports`, are not supported
  // ways in; the profile leaves those two out and holds node16-esm and bundler to no problems.
  it.each(PACKAGES)('@patina/%s passes attw (esm-only)', { timeout: 300_000 }, async (name) => {
    const packed = await tarballs();
    const outcome = await run(
      join(ROOT, 'node_modules/.bin/attw'),
      [packed[name], '--profile', 'esm-only', '--no-color', '--no-emoji'],
      { cwd: ROOT },
    );
    const output = outcome.stdout + outcome.stderr;
    expect({ status: outcome.status, output }).toEqual({ status: 0, output });
    if (LIBRARIES.includes(name)) {
      expect(output).toMatch(/node16 \(from ESM\) │ OK \(ESM\)/);
      expect(output).toMatch(/bundler +│ OK/);
    }
  });
});

describe('the packages installed from their tarballs outside the repository', () => {
  let app = '';
  let server: Background | undefined;
  let baseUrl = '';
  const background: Background[] = [];

  /** The bootstrap administrator's PAT, from the file the server wrote in `app`. */
  function admin(): { clientId: string; clientSecret: string } {
    return JSON.parse(readFileSync(join(app, 'data/bootstrap-credentials.json'), 'utf8')) as {
      clientId: string;
      clientSecret: string;
    };
  }

  /** An environment with a home and config folder of its own, outside the repository. */
  function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const home = temporaryDir('patina-home-');
    return outsideEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extra });
  }

  beforeAll(async () => {
    const packed = await tarballs();
    app = temporaryDir('patina-install-');
    expect(app.startsWith(ROOT)).toBe(false);
    await succeed('npm init', 'npm', ['init', '-y'], { cwd: app });
    await succeed('npm install', 'npm', ['install', ...PACKAGES.map((name) => packed[name])], {
      cwd: app,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    writeFileSync(join(app, 'pats.mjs'), PATS_SCRIPT);
    writeFileSync(join(app, 'resource-server.mjs'), RESOURCE_SERVER_SCRIPT);

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = new Background('npx', ['patina-server', 'serve', '--port', String(port)], {
      cwd: app,
      env: userEnv(),
    });
    background.push(server);
    await server.waitFor('patina-server to listen', () =>
      server?.logLines().find((line) => line.msg === 'patina listening'),
    );
  }, INSTALL_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await Promise.all(background.map((process) => process.stop()));
  }, 60_000);

  it(
    'patina-server serves on SQLite with its data in the folder, and the built console',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const listening = server?.logLines().find((line) => line.msg === 'patina listening');
      expect(listening).toMatchObject({ database: 'sqlite', address: baseUrl });
      expect(existsSync(join(app, 'data/patina.db'))).toBe(true);
      const credentials = join(app, 'data/bootstrap-credentials.json');
      expect(statSync(credentials).mode & 0o777).toBe(0o600);
      expect(admin().clientId).toMatch(/^[0-9a-f]{32}$/);
      const page = await fetch(`${baseUrl}/ui/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    },
  );

  it(
    'patina logs in with --client-secret-stdin and lists the PATs',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const env = userEnv();
      const { clientId, clientSecret } = admin();
      await succeed(
        'patina login',
        'npx',
        [
          'patina',
          'login',
          '--base-url',
          baseUrl,
          '--client-id',
          clientId,
          '--client-secret-stdin',
        ],
        { cwd: app, env, input: `${clientSecret}\n` },
      );
      expect(existsSync(join(env.XDG_CONFIG_HOME ?? '', 'patina/config.yaml'))).toBe(true);
      const list = await succeed('patina pat list', 'npx', ['patina', 'pat', 'list'], {
        cwd: app,
        env,
      });
      expect(list.stdout).toMatch(/^NAME +ID +SCOPES/);
      expect(list.stdout).toMatch(/^bootstrap +[0-9a-f]{32} /m);
    },
  );

  it('an ESM script makes a PAT with @patina/sdk', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id, secret } = await createPat('made by the SDK');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const exchange = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: id,
        client_secret: secret,
      }),
    });
    expect(exchange.status).toBe(200);
  });

  it(
    'a resource server on @patina/verify accepts a PAT’s token, and refuses it once the PAT is deleted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { clientId, clientSecret } = admin();
      const { id, secret } = await createPat('used by a resource server');
      const exchange = await fetch(`${baseUrl}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: id,
          client_secret: secret,
        }),
      });
      const { access_token: token } = (await exchange.json()) as { access_token: string };

      const port = await freePort();
      // The verifier opens its Shared Signals stream with a PAT holding ssf.manage: the admin's.
      const api = new Background('node', ['resource-server.mjs'], {
        cwd: app,
        env: userEnv({
          PORT: String(port),
          PATINA_BASE_URL: baseUrl,
          PATINA_CLIENT_ID: clientId,
          PATINA_CLIENT_SECRET: clientSecret,
        }),
      });
      background.push(api);
      await api.waitFor('the resource server to listen', () =>
        api.output.includes('listening') ? true : undefined,
      );
      const call = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/orders`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: res.status, body: (await res.json()) as unknown };
      };
      expect(await call()).toEqual({ status: 200, body: { client_id: id } });

      await succeed('pats.mjs delete', 'node', ['pats.mjs', 'delete', id], {
        cwd: app,
        env: userEnv({ PATINA_BASE_URL: baseUrl, PATINA_CLIENT_ID: clientId }),
        input: clientSecret,
      });
      const deletedAt = Date.now();
      const refused = await until(
        'the resource server to refuse the token',
        async () => {
          const answer = await call();
          return answer.status === 200 ? undefined : answer;
        },
        REFUSAL_LIMIT_MS,
      );
      expect(refused).toEqual({ status: 401, body: { code: 'ERR_TOKEN_REVOKED' } });
      expect(Date.now() - deletedAt).toBeLessThan(REFUSAL_LIMIT_MS);
      await api.stop();
    },
  );

  it.each([
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
  ])(
    'TypeScript finds the libraries’ types with %s resolution',
    { timeout: TEST_TIMEOUT_MS },
    async (name, resolution) => {
      writeFileSync(join(app, 'consumer.mts'), CONSUMER);
      const config = join(app, `tsconfig.${name}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          compilerOptions: {
            ...resolution,
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            types: [],
            strict: true,
            noEmit: true,
            skipLibCheck: true,
          },
          files: ['consumer.mts'],
        }),
      );
      const outcome = await run(
        'node',
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config],
        { cwd: app },
      );
      expect({ status: outcome.status, output: outcome.stdout + outcome.stderr }).toEqual({
        status: 0,
        output: '',
      });
    },
  );

  /** A PAT of the administrator, made by pats.mjs (the SDK); its id and secret. */
  async function createPat(name: string): Promise<{ id: string; secret: string }> {
    const { clientId, clientSecret } = admin();
    const { stdout } = await succeed('pats.mjs create', 'node', ['pats.mjs', 'create', name], {
      cwd: app,
      env: userEnv({ PATINA_BASE_URL: baseUrl, PATINA_CLIENT_ID: clientId }),
      input: clientSecret,
    });
    return JSON.parse(stdout) as { id: string; secret: string };
  }
});
