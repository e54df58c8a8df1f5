import { createVerifier, type Verifier, type VerifierOptions } from '@patina/verify';
import { onTestFinished, vi } from 'vitest';
import {
  START,
  startListeningApp,
  V3,
  type TestApp,
  type TestAppOptions,
  type TestUser,
} from '../helpers.js';

/**
 * @patina/verify as a resource server runs it: against Patina listening on 127.0.0.1, over real
 * HTTP, through a fetch the test can cut or rewrite (the verifier's `fetch` option).
 *
 * The verifier reads the time from Date (jose's exp check, its staleness bound, the renewal of
 * its own token), Patina from its injected clock. Date is faked to that clock, and only Date:
 * timers, and so long polls and the verifier's back-off, run in real time. `advance` moves both.
 */

export const TOKEN_ENDPOINT = '/oauth/token';
export const INTROSPECT = '/oauth/introspect';
export const JWKS = '/.well-known/jwks.json';
export const SSF_JWKS = '/ssf/jwks';
export const POLL = '/ssf/poll/';
export const STREAMS = '/ssf/streams';

export const REVOKED_PAT =
  'The personal access token or trust policy of this token was revoked, deleted or changed after it was issued';
export const DISABLED_OWNER = 'The owner of this token was disabled after it was issued';
export const STALE = (maxStalenessMs: number) =>
  `No word from Patina's event stream for over ${maxStalenessMs} ms; refusing tokens until it is back`;

interface Call {
  method: string;
  path: string;
  status: number | 'refused' | 'failed';
  /** A JSON request body, parsed. */
  body?: unknown;
}

/**
 * The verifier's network: every request it makes is recorded; requests whose path matches a
 * refusal fail as a dropped connection does (fetch rejects); answers of a rewritten path are
 * changed on the way back.
 */
export class Network {
  readonly calls: Call[] = [];
  #refused: ((path: string) => boolean) | undefined;
  readonly #rewrites = new Map<string, (body: Record<string, unknown>) => unknown>();
  readonly #underWay = new Set<{ path: string; drop: () => void }>();

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    // The verifier sends JSON as a string (stream management, polls and acknowledgements).
    const json = typeof init?.body === 'string' && init.body.startsWith('{') ? init.body : null;
    const call = {
      method,
      path: url.pathname,
      ...(json !== null && { body: JSON.parse(json) as unknown }),
    };
    if (this.#refused?.(url.pathname)) {
      this.calls.push({ ...call, status: 'refused' });
      // A connection refused is an answer of the network: never sooner than the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      throw new TypeError('fetch failed');
    }
    // A refusal also drops the requests already under way (a long poll), as a network does.
    const dropped = new AbortController();
    const entry = { path: url.pathname, drop: () => dropped.abort() };
    this.#underWay.add(entry);
    const signals = [dropped.signal, ...(init?.signal ? [init.signal] : [])];
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
    } catch (error) {
      if (!dropped.signal.aborted) {
        // The verifier's own abort (a long poll cut short, or close) or a connection error.
        this.calls.push({ ...call, status: 'failed' });
        throw error;
      }
      this.calls.push({ ...call, status: 'refused' });
      throw new TypeError('fetch failed');
    } finally {
      this.#underWay.delete(entry);
    }
    this.calls.push({ ...call, status: response.status });
    const rewrite = [...this.#rewrites].find(([prefix]) => url.pathname.startsWith(prefix))?.[1];
    if (!rewrite || response.status !== 200) return response;
    const body = rewrite((await response.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };

  /** Requests to paths starting with any of `prefixes` fail, those under way at once, until `restore`. */
  refuse(...prefixes: string[]): void {
    this.#refused = (path) => prefixes.some((prefix) => path.startsWith(prefix));
    for (const request of this.#underWay) if (this.#refused(request.path)) request.drop();
  }

  restore(): void {
    this.#refused = undefined;
  }

  /** Answers of paths starting with `prefix` pass through `change`. */
  rewrite(prefix: string, change: (body: Record<string, unknown>) => unknown): void {
    this.#rewrites.set(prefix, change);
  }

  /** The recorded requests to paths starting with `prefix` (without their bodies). */
  to(prefix: string): Call[] {
    return this.calls
      .filter((call) => call.path.startsWith(prefix))
      .map(({ method, path, status }) => ({ method, path, status }));
  }

  /** Every SET id the verifier acknowledged (RFC 8936 §2.4.2). */
  acknowledged(): string[] {
    return this.calls.flatMap((call) => (call.body as { ack?: string[] } | undefined)?.ack ?? []);
  }
}

export interface VerifiedPatina {
  t: TestApp;
  base: string;
  network: Network;
  /** A verifier of `client` (default the administrator) with these options; closed at the end. */
  verifier(options?: Partial<VerifierOptions>, client?: TestUser | Credentials): Promise<Verifier>;
  /** Moves Patina's clock and the verifier's Date together. */
  advance(ms: number): void;
}

export interface Credentials {
  patId: string;
  secret: string;
}

/** Patina listening on a real port, Date faked to its clock, and a way to make verifiers. */
export async function verifiedPatina(options: TestAppOptions = {}): Promise<VerifiedPatina> {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(START) });
  onTestFinished(() => {
    vi.useRealTimers();
  });
  const { t, base } = await startListeningApp(options);
  // After the verifiers closed, before the app closes: a long poll the verifier gave up on keeps
  // its connection, which would hold the app's close for seconds.
  onTestFinished(() => {
    t.app.server.closeAllConnections();
  });
  const network = new Network();
  return {
    t,
    base,
    network,
    async verifier(overrides = {}, client = t.admin) {
      const verifier = await createVerifier({
        issuer: base,
        audience: base,
        clientId: client.patId,
        clientSecret: client.secret,
        fetch: network.fetch,
        ...overrides,
      });
      onTestFinished(() => verifier.close());
      return verifier;
    },
    advance(ms) {
      t.clock.advance(ms);
      vi.setSystemTime(Date.now() + ms);
    },
  };
}

/** What `verify` ends in: the claims, or the error's code and message. */
export async function outcome(
  verifier: Verifier,
  token: string,
): Promise<{ client_id: unknown } | { code: unknown; message: unknown }> {
  try {
    return { client_id: (await verifier.verify(token)).client_id };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code, message };
  }
}

/**
 * Verifies every 5 ms (real time) until the verifier refuses or `limitMs` passes; the refusal
 * and how long it took.
 */
export async function timeToRefusal(
  verifier: Verifier,
  token: string,
  started: number,
  limitMs = 3000,
): Promise<{ code: unknown; message: unknown; elapsedMs: number }> {
  for (;;) {
    const result = await outcome(verifier, token);
    const elapsedMs = performance.now() - started;
    if ('code' in result) return { ...result, elapsedMs };
    if (elapsedMs > limitMs) return { code: 'still accepted', message: '', elapsedMs };
    await realDelay(5);
  }
}

/** Waits (real time) until `condition` holds, or fails after `limitMs`. */
export async function until(condition: () => boolean, what: string, limitMs = 5000) {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > limitMs) throw new Error(`Not within ${limitMs} ms: ${what}`);
    await realDelay(10);
  }
}

export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A developer with a PAT and a token of it, made by the administrator. */
export async function developer(t: TestApp, login = 'dev'): Promise<TestUser> {
  return t.user({ name: `Developer ${login}`, login });
}

/** DELETE of a PAT by the administrator, over the SailPoint v3 API. */
export async function deletePat(t: TestApp, id: string): Promise<void> {
  const response = await t.request({ method: 'DELETE', url: `${V3}/${id}`, token: t.admin.token });
  if (response.statusCode !== 204) throw new Error(`delete answered ${response.statusCode}`);
}
