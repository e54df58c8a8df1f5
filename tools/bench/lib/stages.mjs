/**
 * Charges V8 CPU-profile samples to the stages of a request (tools/bench/profile.mjs). A sample
 * belongs to the innermost frame of its stack that some stage claims: a native `writev` under
 * `node:net` is socket I/O, an HMAC under the secret digester is the digest, Kysely's compiler
 * under the repository is query building.
 *
 * @typedef {{ functionName: string, url: string }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], startTime: number, samples: number[], timeDeltas: number[] }} CpuProfile
 */

const DIST = '/packages/server/dist/';
const SQLITE_NATIVE = new Set(['all', 'get', 'run', 'iterate', 'prepare', 'pluck', 'raw']);

/** @param {string[]} parts @returns {(f: CallFrame) => boolean} */
const inUrl =
  (...parts) =>
  (f) =>
    parts.some((p) => f.url.includes(p));

/**
 * The stages, in the order the budget table lists them. A frame is claimed by the first stage
 * whose test it passes.
 *
 * @type {{ name: string, test: (f: CallFrame) => boolean }[]}
 */
export const STAGES = [
  {
    name: 'HTTP parse (node:http)',
    test: inUrl('node:_http_server', 'node:_http_common', 'node:_http_incoming'),
  },
  {
    name: 'routing (find-my-way, Fastify route)',
    test: inUrl('/find-my-way/', '/fastify/lib/route.js'),
  },
  {
    name: 'hooks (Fastify hook runner, security headers, multipart guard)',
    test: inUrl(
      '/fastify/lib/hooks.js',
      `${DIST}http/security-headers.js`,
      '/@fastify/multipart/',
      `${DIST}http/oauth/plugin.js`,
    ),
  },
  {
    name: 'metrics (prom-client, Patina metrics)',
    test: inUrl('/prom-client/', `${DIST}metrics/`),
  },
  {
    name: 'rate limit',
    test: inUrl('/@fastify/rate-limit/', '/toad-cache/', `${DIST}http/rate-limit.js`),
  },
  {
    name: 'body and parameter parsing',
    test: (f) =>
      inUrl(
        '/@fastify/formbody/',
        'fast-querystring',
        'node:querystring',
        '/fastify/lib/contentTypeParser.js',
        'secure-json-parse',
        `${DIST}http/oauth/params.js`,
      )(f) ||
      (f.url === '' && f.functionName === 'parse'),
  },
  {
    name: 'validation (Ajv)',
    test: inUrl('/ajv/', '/fastify/lib/validation.js', `${DIST}http/validation.js`),
  },
  {
    name: 'client auth (lookup, throttle, failures)',
    test: inUrl(
      `${DIST}oauth/client-authenticator.js`,
      `${DIST}oauth/failure-throttle.js`,
      `${DIST}oauth/lockout.js`,
      `${DIST}oauth/repeated-failures.js`,
    ),
  },
  {
    name: 'bearer check (cache, liveness rule)',
    test: inUrl(`${DIST}auth/`, `${DIST}http/bearer-auth.js`, `${DIST}pats/model.js`),
  },
  {
    name: 'digest (HMAC of the secret)',
    test: inUrl('node:internal/crypto/hash', `${DIST}tokens/secret.js`),
  },
  {
    name: 'signing and verifying (ES256)',
    test: inUrl(
      'node:internal/crypto/sig',
      'node:internal/crypto/keys',
      '/jose/',
      `${DIST}tokens/`,
    ),
  },
  { name: 'random ids (request id, jti)', test: inUrl('node:internal/crypto/random') },
  {
    name: 'SQLite (better-sqlite3)',
    test: (f) =>
      f.url.includes('/better-sqlite3/') ||
      (f.url.includes('/kysely/dist/esm/dialect/sqlite/sqlite-driver.js') &&
        f.functionName === 'executeQuery') ||
      (f.url === '' && SQLITE_NATIVE.has(f.functionName)),
  },
  { name: 'query building (Kysely)', test: inUrl('/kysely/') },
  { name: 'PostgreSQL client (pg)', test: inUrl('/pg/', '/pg-protocol/', '/pg-pool/') },
  { name: 'storage (Patina repositories)', test: inUrl(`${DIST}storage/`) },
  {
    name: 'grant and services (scopes, use, PAT service)',
    test: inUrl(`${DIST}oauth/`, `${DIST}pats/`, `${DIST}identities/`, `${DIST}audit/`),
  },
  {
    name: 'serialisation (fast-json-stringify)',
    test: (f) =>
      inUrl('fast-json-stringify', `${DIST}http/serialization.js`)(f) ||
      (f.url === '' && f.functionName === 'stringify'),
  },
  {
    name: 'reply (Fastify reply, headers)',
    test: inUrl('/fastify/lib/reply.js', '/fastify/lib/headRoute.js'),
  },
  {
    name: 'logging (pino)',
    test: inUrl(
      '/pino/',
      '/sonic-boom/',
      '/pino-std-serializers/',
      `${DIST}core/log.js`,
      `${DIST}http/safe-path.js`,
    ),
  },
  {
    name: 'socket I/O (net, streams)',
    test: inUrl(
      'node:_http_outgoing',
      'node:net',
      'node:internal/stream_base_commons',
      'node:internal/streams',
      'node:stream',
    ),
  },
  {
    name: 'event loop (promises, timers)',
    test: inUrl('node:internal/process/task_queues', 'node:internal/timers', 'node:events'),
  },
  { name: 'Fastify, other', test: inUrl('/fastify/', '/avvio/', '/light-my-request/') },
  { name: 'Patina, other', test: inUrl(DIST) },
  { name: 'garbage collection', test: (f) => f.functionName === '(garbage collector)' },
  { name: 'V8 and native, unattributed', test: (f) => f.functionName === '(program)' },
];

/**
 * µs of CPU per request by stage, over the samples taken between `from` and `to` (µs on the
 * monotonic clock that V8's profile timestamps use too).
 *
 * @param {CpuProfile} profile
 * @param {{ from: number, to: number, requests: number }} window
 */
export function budget(profile, window) {
  const parent = new Map();
  const byId = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const memo = new Map();
  const stageOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    const { functionName, url } = byId.get(id).callFrame;
    // Another build of the server (dist-before/) counts as the server.
    const frame = { functionName, url: url.replace(/\/packages\/server\/dist[^/]*\//, DIST) };
    let stage;
    if (frame.functionName === '(idle)') stage = 'idle';
    else {
      stage = STAGES.find((s) => s.test(frame))?.name;
      if (stage === undefined) {
        const up = parent.get(id);
        stage = up === undefined ? 'other' : stageOf(up);
      }
    }
    memo.set(id, stage);
    return stage;
  };
  const totals = new Map();
  let t = profile.startTime;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // Each sample stands for the time until the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < window.from || t > window.to) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const stage = stageOf(profile.samples[i]);
    totals.set(stage, (totals.get(stage) ?? 0) + span);
  }
  if (first === Infinity) {
    throw new Error('no profile sample falls inside the measured window (clock mismatch?)');
  }
  const stages = {};
  let busy = 0;
  for (const [stage, us] of totals) {
    if (stage === 'idle') continue;
    stages[stage] = us / window.requests;
    busy += us;
  }
  return {
    stages,
    busyUsPerRequest: busy / window.requests,
    idleUsPerRequest: (totals.get('idle') ?? 0) / window.requests,
    sampledSeconds: (last - first) / 1e6,
    requests: window.requests,
  };
}
