/**
 * The layer rules of the monorepo, checked by `npm run lint` (dependency-cruiser). Arrows point down:
 *
 *   packages: cli → sdk → contract;  console → sdk;  verify → contract;  server → contract
 *   server/src: wiring (app, services, runtime, main, serve, bootstrap, housekeeping)
 *               → cluster (the primary of several workers and the workers' line to it)
 *               → http (routes, error rendering; http/oauth the OAuth routes)
 *               → console (sessions, sign-in) → ssf (Shared Signals) → notifications (outbox, webhooks, mail)
 *               → oauth (grant, client authentication, introspection, revocation)
 *               → auth (bearer check, liveness cache)
 *               → pats → tokens → identities → audit → access (who is calling)
 *               → storage (repositories, may read the domain's model types) → config
 *               → metrics (Prometheus families; the services call it, it calls none)
 *               → tracing (OpenTelemetry spans; the same) → core
 *
 * LAYERS says that order once; each rule below forbids a layer the ones above it. Two siblings
 * are kept apart as well: notifications and ssf do not import oauth.
 */
const SRC = '^packages/server/src/';
const layer = (name) => `${SRC}${name}/`;
const WIRING = `${SRC}[^/]+\\.ts$`;

/** The server's layers, top first: each may import the ones after it, never one before it. */
const LAYERS = [
  'cluster',
  'http',
  'console',
  'federation',
  'scim',
  'governance',
  'ssf',
  'notifications',
  'oauth',
  'auth',
  'pats',
  'tokens',
  'identities',
  'audit',
  'access',
  'storage',
  'config',
  'metrics',
  'tracing',
  'core',
];

/** The layers above `name`, which it must not import. */
const above = (name) => LAYERS.slice(0, LAYERS.indexOf(name));

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
      above('core'),
      'core holds the low-level helpers: it imports nothing of the server.',
    ),
    below(
      'metrics',
      above('metrics'),
      'metrics count what the services tell them and read what they are handed; they call no service.',
    ),
    below(
      'tracing',
      above('tracing'),
      'tracing makes the spans the services and the HTTP hooks ask for; it calls no service, and loads the OpenTelemetry SDK only when on.',
    ),
    below('config', above('config'), 'config reads settings; it knows no service.'),
    {
      name: 'storage-not-up',
      comment:
        'Storage writes SQL for the services; it may read their model types, never call them.',
      severity: 'error',
      from: { path: layer('storage') },
      to: {
        path: [`${SRC}(${above('storage').join('|')})/`, WIRING],
        pathNot: [`${SRC}(audit|identities|pats|access)/model\\.ts$`, `${SRC}pats/filter\\.ts$`],
      },
    },
    below(
      'access',
      above('access'),
      'access (who is calling, what they may do) sits under every service.',
    ),
    below('audit', above('audit'), 'audit records; it calls no service.'),
    below('identities', above('identities'), 'identities know no tokens.'),
    below('tokens', above('tokens'), 'tokens (secrets, keys, JWTs) know no PAT rules.'),
    below('pats', above('pats'), 'the PAT rules do not depend on how callers authenticate.'),
    below('auth', above('auth'), 'the bearer check is used by HTTP and OAuth, and uses neither.'),
    below('oauth', above('oauth'), 'grant logic is HTTP-free; its routes are in http/oauth.'),
    below(
      'notifications',
      [...above('notifications'), 'oauth'],
      'notifications turn audit events into deliveries; they call no route.',
    ),
    below(
      'ssf',
      [...above('ssf'), 'oauth'],
      'the SSF transmitter is HTTP-free; its routes are in http/.',
    ),
    below(
      'console',
      above('console'),
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
