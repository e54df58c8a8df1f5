/**
 * The layer rules of the monorepo, checked by `npm run lint` (dependency-cruiser). Arrows point down:
 *
 *   packages: cli → sdk → contract;  console → sdk;  verify → contract;  server → contract
 *   server/src: wiring (app, services, runtime, main, bootstrap, housekeeping)
 *               → http (routes, error rendering; http/oauth the OAuth routes)
 *               → console (sessions, sign-in) → ssf (Shared Signals) → notifications (outbox, webhooks, mail)
 *               → oauth (grant, client authentication, introspection, revocation)
 *               → auth (bearer check, liveness cache)
 *               → pats → tokens → identities → audit → access (who is calling)
 *               → storage (repositories, may read the domain's model types) → config
 *               → metrics (Prometheus families; the services call it, it calls none)
 *                 and tracing (OpenTelemetry spans; the same, side by side with metrics) → core
 *
 * A rule below names the imports that would run the wrong way.
 */
const SRC = '^packages/server/src/';
const layer = (name) => `${SRC}${name}/`;
const WIRING = `${SRC}[^/]+\\.ts$`;

/** Forbid `from` importing any of the `higher` folders. */
const below = (name, higher, comment) => ({
  name: `${name}-not-up`,
  comment,
  severity: 'error',
  from: { path: layer(name) },
  to: { path: [`${SRC}(${higher.join('|')})/`, WIRING] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle ties two modules into one; break it by moving the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'clients-not-server',
      comment: 'The SDK, CLI, console and verifier speak the wire contract, never the server code.',
      severity: 'error',
      from: { path: '^packages/(sdk|cli|console|verify)/' },
      to: { path: '^packages/server/' },
    },
    {
      name: 'cli-console-through-sdk',
      comment: 'The CLI and the console reach the server only through @patina/sdk.',
      severity: 'error',
      from: { path: '^packages/(cli|console)/src/' },
      to: { path: '^packages/(verify)/' },
    },
    {
      name: 'contract-loads-anywhere',
      comment: 'The contract loads in a browser: TypeBox and itself only, no Node built-ins.',
      severity: 'error',
      from: { path: '^packages/contract/src/' },
      to: {
        pathNot: ['^packages/contract/src/', 'node_modules/@sinclair/typebox/'],
      },
    },
    {
      name: 'sdk-loads-anywhere',
      comment: 'The SDK runs in Node and in a browser: no Node built-ins.',
      severity: 'error',
      from: { path: '^packages/(sdk|contract)/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'services-not-http',
      comment:
        'Services never import the HTTP framework (GUIDE: "Services never import the HTTP framework").',
      severity: 'error',
      from: {
        path: `${SRC}(core|metrics|tracing|config|storage|access|audit|identities|tokens|pats|auth|oauth|notifications|ssf|console)/`,
      },
      to: { path: 'node_modules/(fastify|@fastify)/' },
    },
    below(
      'core',
      [
        'metrics',
        'tracing',
        'config',
        'storage',
        'access',
        'audit',
        'identities',
        'tokens',
        'pats',
        'auth',
        'oauth',
        'http',
        'notifications',
        'ssf',
        'console',
      ],
      'core holds the low-level helpers: it imports nothing of the server.',
    ),
    below(
      'metrics',
      [
        'config',
        'storage',
        'access',
        'audit',
        'identities',
        'tokens',
        'pats',
        'auth',
        'oauth',
        'http',
        'notifications',
        'ssf',
        'console',
      ],
      'metrics count what the services tell them and read what they are handed; they call no service.',
    ),
    below(
      'tracing',
      [
        'metrics',
        'config',
        'storage',
        'access',
        'audit',
        'identities',
        'tokens',
        'pats',
        'auth',
        'oauth',
        'http',
        'notifications',
        'ssf',
        'console',
      ],
      'tracing makes the spans the services and the HTTP hooks ask for; it calls no service, and loads the OpenTelemetry SDK only when on.',
    ),
    below(
      'config',
      [
        'storage',
        'access',
        'audit',
        'identities',
        'tokens',
        'pats',
        'auth',
        'oauth',
        'http',
        'notifications',
        'ssf',
        'console',
      ],
      'config reads settings; it knows no service.',
    ),
    {
      name: 'storage-not-up',
      comment:
        'Storage writes SQL for the services; it may read their model types, never call them.',
      severity: 'error',
      from: { path: layer('storage') },
      to: {
        path: [
          `${SRC}(access|audit|identities|tokens|pats|auth|oauth|http|notifications|ssf|console)/`,
          WIRING,
        ],
        pathNot: [`${SRC}(audit|identities|pats|access)/model\\.ts$`, `${SRC}pats/filter\\.ts$`],
      },
    },
    below(
      'access',
      [
        'audit',
        'identities',
        'tokens',
        'pats',
        'auth',
        'oauth',
        'http',
        'notifications',
        'ssf',
        'console',
      ],
      'access (who is calling, what they may do) sits under every service.',
    ),
    below(
      'audit',
      ['identities', 'tokens', 'pats', 'auth', 'oauth', 'http', 'notifications', 'ssf', 'console'],
      'audit records; it calls no service.',
    ),
    below(
      'identities',
      ['tokens', 'pats', 'auth', 'oauth', 'http', 'notifications', 'ssf', 'console'],
      'identities know no tokens.',
    ),
    below(
      'tokens',
      ['pats', 'auth', 'oauth', 'http', 'notifications', 'ssf', 'console'],
      'tokens (secrets, keys, JWTs) know no PAT rules.',
    ),
    below(
      'pats',
      ['auth', 'oauth', 'http', 'notifications', 'ssf', 'console'],
      'the PAT rules do not depend on how callers authenticate.',
    ),
    below(
      'auth',
      ['oauth', 'http', 'notifications', 'ssf', 'console'],
      'the bearer check is used by HTTP and OAuth, and uses neither.',
    ),
    below(
      'oauth',
      ['http', 'notifications', 'ssf', 'console'],
      'grant logic is HTTP-free; its routes are in http/oauth.',
    ),
    below(
      'notifications',
      ['oauth', 'http', 'ssf', 'console'],
      'notifications turn audit events into deliveries; they call no route.',
    ),
    below(
      'ssf',
      ['oauth', 'http', 'console'],
      'the SSF transmitter is HTTP-free; its routes are in http/.',
    ),
    below(
      'console',
      ['http'],
      'console sessions and sign-in are HTTP-free; their routes are in http/.',
    ),
    {
      name: 'http-not-wiring',
      comment: 'Routes are handed their services; they do not build or start the app.',
      severity: 'error',
      from: { path: layer('http') },
      to: { path: `${SRC}(app|runtime|main|bootstrap|housekeeping)\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: `${__dirname}/tsconfig.depcruise.json` },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
