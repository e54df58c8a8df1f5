/**
 * The verification path, measured in a process of its own (pinned by the bench): the same
 * Patina access token verified over and over by @patina/verify (its JWKS fetched from Patina and
 * cached, its event stream open and polled, so revocation state is current) and by jose's
 * jwtVerify alone against a local JWK set made from the same JWKS, with the same checks (issuer,
 * audience, typ, clock tolerance). Rounds of `seconds` of each, one verification after another,
 * the two alternating every 100 ms within a round (and which goes first alternating between
 * rounds); prints one JSON line: the rounds of each, and whether the verifier's stream was
 * still fresh at the end.
 *
 * Input: JSON in the environment variable BENCH_VERIFY_INPUT (not argv: it holds a secret):
 * `{ issuer, clientId, clientSecret, token, seconds, rounds, warmupSeconds }`.
 */
/* global fetch -- Node's built-in fetch (Node 18+) */
import { ACCESS_TOKEN_TYPE } from '@patina/contract';
import { createVerifier } from '@patina/verify';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const input = JSON.parse(process.env.BENCH_VERIFY_INPUT ?? '{}');
for (const key of ['issuer', 'clientId', 'clientSecret', 'token', 'seconds', 'rounds']) {
  if (input[key] === undefined) throw new Error(`BENCH_VERIFY_INPUT lacks ${key}`);
}
const { issuer, token } = input;
const claims = decodeJwt(token);
const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
if (typeof audience !== 'string') throw new Error('the token has no audience');
/** The verifier's own clock tolerance default, so both do the same checks. */
const CLOCK_TOLERANCE_SECONDS = 5;

const verifier = await createVerifier({
  issuer,
  audience,
  clientId: input.clientId,
  clientSecret: input.clientSecret,
});
const metadata = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
const jwks = await (await fetch(metadata.jwks_uri)).json();
const localKeys = createLocalJWKSet(jwks);

/** @type {Record<'verify' | 'jose', () => Promise<unknown>>} */
const paths = {
  verify: () => verifier.verify(token),
  jose: () =>
    jwtVerify(token, localKeys, {
      issuer: claims.iss,
      audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }),
};

// Both accept the token and read the same claims before anything is measured.
const byVerify = await paths.verify();
const { payload: byJose } = /** @type {{ payload: Record<string, unknown> }} */ (
  await paths.jose()
);
if (/** @type {any} */ (byVerify).jti !== byJose.jti) {
  throw new Error('@patina/verify and jose read different claims from the token');
}

/** Each round alternates the two in slices this long, so a change of the machine's load hits both. */
const SLICE_MS = 100;

/**
 * One verification after another for `ms`, adding the latencies to `latencies`; the time taken.
 *
 * @param {() => Promise<unknown>} verify
 * @param {number} ms
 * @param {number[]} latencies
 */
async function slice(verify, ms, latencies) {
  const started = performance.now();
  const until = started + ms;
  let now = started;
  while (now < until) {
    const before = now;
    await verify();
    now = performance.now();
    latencies.push(now - before);
  }
  return now - started;
}

/**
 * One round: both paths for `seconds` each, in alternating slices (`first` starts): per path,
 * verifications per second and the p50 and p99 of their latencies, in ms.
 *
 * @param {readonly ('verify' | 'jose')[]} order
 * @param {number} seconds
 */
async function round(order, seconds) {
  const spent = { verify: 0, jose: 0 };
  /** @type {Record<'verify' | 'jose', number[]>} */
  const latencies = { verify: [], jose: [] };
  while (Math.min(spent.verify, spent.jose) < seconds * 1000) {
    for (const name of order) spent[name] += await slice(paths[name], SLICE_MS, latencies[name]);
  }
  const summary = (name) => {
    const sorted = latencies[name].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return {
      verificationsPerSecond: sorted.length / (spent[name] / 1000),
      count: sorted.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    };
  };
  return { verify: summary('verify'), jose: summary('jose') };
}

const names = /** @type {const} */ (['verify', 'jose']);
await round(names, input.warmupSeconds ?? 1);
const rounds = { verify: [], jose: [] };
for (let r = 0; r < input.rounds; r++) {
  const measured = await round(r % 2 === 0 ? names : [...names].reverse(), input.seconds);
  rounds.verify.push(measured.verify);
  rounds.jose.push(measured.jose);
}
const fresh = verifier.fresh;
await verifier.close();
process.stdout.write(`${JSON.stringify({ rounds, freshAtEnd: fresh })}\n`);
process.exit(0);
