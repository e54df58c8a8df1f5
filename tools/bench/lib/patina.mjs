/* global fetch -- Node's built-in fetch (Node 18+) */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL, URLSearchParams, fileURLToPath } from 'node:url';
import process from 'node:process';
import { freePort, startPinned, stop, waitForHttp } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The build the bench runs: the repository's, or another one PATINA_BENCH_MAIN names. */
export const MAIN = process.env.PATINA_BENCH_MAIN ?? join(ROOT, 'packages/server/dist/main.js');

/**
 * The config the benchmark runs Patina with. The defaults throttle a load generator on purpose
 * (100 requests per client per 10 s, failures throttled after 10 per client id and address and
 * after 100 per address, 10 PATs per owner), so the bench lifts them; S6's issuer is on loopback
 * over http, which the defaults refuse (an SSRF guard); everything else is the default a fresh
 * install gets.
 */
export const BENCH_CONFIG = {
  policy: {
    rateLimit: { max: 100_000_000, windowSeconds: 10 },
    lockout: {
      maxFailures: 1_000_000_000,
      maxFailuresPerAddress: 1_000_000_000,
      windowSeconds: 300,
      durationSeconds: 900,
    },
    maxTokensPerOwner: 10_000,
  },
  federation: { allowHttp: true, allowPrivateNetworks: true },
};

/**
 * One Patina process on a data directory, pinned to `cpu`. `start()` and `stop()` may be called
 * again on the same directory (the scale phase restarts it after seeding).
 */
export class Patina {
  /**
   * @param {{ dataDir: string, cpu?: number | string, main?: string, nodeArgs?: string[], serveArgs?: string[], env?: Record<string, string>, config?: Record<string, unknown> }} options
   *   `cpu`: one CPU or a taskset list (`0-2`); `main`: another build's dist/main.js (the
   *   profiler compares two); `nodeArgs`: flags for node itself (`--cpu-prof`); `serveArgs`:
   *   more flags for `serve` (`--workers 2`); `env`: more environment (`PATINA_DATABASE_URL`);
   *   `config`: settings on top of BENCH_CONFIG.
   */
  constructor(options) {
    this.dataDir = options.dataDir;
    /** Where the next start is pinned; may be changed between starts. */
    this.cpu = options.cpu;
    /** More flags for `serve` from the next start on; may be changed between starts. */
    this.serveArgs = options.serveArgs ?? [];
    this.main = options.main ?? MAIN;
    this.nodeArgs = options.nodeArgs ?? [];
    this.env = options.env ?? {};
    this.config = { ...BENCH_CONFIG, ...options.config };
    this.configFile = join(options.dataDir, 'bench-config.json');
    /** @type {ReturnType<typeof startPinned> | undefined} */
    this.child = undefined;
    this.port = 0;
  }

  /** Settings on top of BENCH_CONFIG from the next start on. @param {Record<string, unknown>} extra */
  configure(extra) {
    this.config = { ...BENCH_CONFIG, ...extra };
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.child?.pid;
  }

  async start() {
    writeFileSync(this.configFile, JSON.stringify(this.config, null, 2));
    this.port = await freePort();
    const args = [
      'serve',
      '--data-dir',
      this.dataDir,
      '--port',
      String(this.port),
      '--config',
      this.configFile,
      ...this.serveArgs,
    ];
    this.child = startPinned(process.execPath, [...this.nodeArgs, this.main, ...args], {
      cpu: this.cpu,
      cwd: ROOT,
      env: { PATINA_LOG_LEVEL: 'warn', ...this.env },
    });
    await waitForHttp(`${this.baseUrl}/health`, this.child, 60_000);
  }

  async stop() {
    if (this.child) await stop(this.child);
    this.child = undefined;
  }

  /**
   * The bootstrap administrator's PAT: `{ baseUrl, tokenUrl, clientId, clientSecret }`, from the
   * data directory's one credentials file (`bootstrap-credentials.json` on SQLite, a name of the
   * database's own on PostgreSQL).
   */
  credentials() {
    const files = readdirSync(this.dataDir).filter((name) =>
      /^bootstrap-credentials.*\.json$/.test(name),
    );
    if (files.length !== 1) {
      throw new Error(`expected one bootstrap credentials file in ${this.dataDir}, found ${files}`);
    }
    return JSON.parse(readFileSync(join(this.dataDir, files[0]), 'utf8'));
  }

  /**
   * Trades a PAT for an access token (client_secret_post, like S1); with `dpopProof` (a proof for
   * POST of the token endpoint, RFC 9449 §5), a token bound to the proof's key (S7's).
   *
   * @param {{ clientId: string, clientSecret: string }} pat
   * @param {{ dpopProof?: string }} [options]
   * @returns {Promise<string>}
   */
  async accessToken(pat, options = {}) {
    const response = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(options.dpopProof !== undefined && { dpop: options.dpopProof }),
      },
      body: tokenRequestBody(pat.clientId, pat.clientSecret),
    });
    const body = await response.json();
    if (response.status !== 200)
      throw new Error(`token exchange: ${response.status} ${JSON.stringify(body)}`);
    const tokenType = options.dpopProof === undefined ? 'bearer' : 'DPoP';
    if (body.token_type?.toLowerCase() !== tokenType.toLowerCase()) {
      throw new Error(`token exchange: token_type ${body.token_type}, expected ${tokenType}`);
    }
    return body.access_token;
  }

  /**
   * A JSON API call with a bearer token; throws unless the status is `expect`.
   *
   * @param {string} token
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @param {number} [expect]
   */
  async api(token, method, path, body, expect = 200) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expect)
      throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /**
   * A new identity with role USER and one PAT of its own: the S3 caller, so the PATs S3 creates
   * (and the few left undeleted when a measurement ends) never show up in the admin's S2 list;
   * with `rights`, an identity holding those too (`ssf.manage`: a resource server running
   * @patina/verify).
   *
   * @param {string} adminToken
   * @param {{ rights?: string[] }} [options]
   * @returns {Promise<{ clientId: string, clientSecret: string }>}
   */
  async createUserWithPat(adminToken, options = {}) {
    const suffix = randomBytes(4).toString('hex');
    const identity = await this.api(
      adminToken,
      'POST',
      '/patina/v1/identities',
      {
        name: `bench user ${suffix}`,
        login: `bench-user-${suffix}`,
        roles: ['USER'],
        ...(options.rights && { rights: options.rights }),
      },
      201,
    );
    const pat = await this.api(
      adminToken,
      'POST',
      `/patina/v1/identities/${identity.id}/personal-access-tokens`,
      {
        name: 'bench S3 caller',
      },
    );
    return { clientId: pat.id, clientSecret: pat.secret };
  }

  /**
   * S6's side in Patina: a service identity (role USER) and a trust policy that lets tokens of
   * `federation.issuer` whose sub is `federation.subject` act as it. The audience is named, not
   * left to default to Patina's issuer URL: on SQLite that URL has the port, which changes at
   * every start.
   *
   * @param {string} adminToken
   * @param {{ issuer: string, jwksUri: string, subject: string, audience: string }} federation
   * @returns {Promise<string>} the trust policy's id
   */
  async createTrustPolicy(adminToken, federation) {
    const suffix = randomBytes(4).toString('hex');
    const identity = await this.api(
      adminToken,
      'POST',
      '/patina/v1/identities',
      { name: `bench workload ${suffix}`, login: `bench-workload-${suffix}`, roles: ['USER'] },
      201,
    );
    const policy = await this.api(
      adminToken,
      'POST',
      '/patina/v1/federation/trust-policies',
      {
        name: `bench workload ${suffix}`,
        issuer: federation.issuer,
        jwksUri: federation.jwksUri,
        audience: federation.audience,
        conditions: { sub: federation.subject },
        identityId: identity.id,
        scope: ['sp:my-personal-access-tokens:read'],
      },
      201,
    );
    return policy.id;
  }
}

/**
 * The S1/S4 request body: RFC 6749 §4.4 client credentials, client_secret_post (§2.3.1).
 *
 * @param {string} clientId
 * @param {string} clientSecret
 */
export function tokenRequestBody(clientId, clientSecret) {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  }).toString();
}

/** A secret with the shape of a real one (`patina_` and 57 alphanumerics) that matches nothing. */
export function wrongSecret() {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(57);
  return `patina_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}
