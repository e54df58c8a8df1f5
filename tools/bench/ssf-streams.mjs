#!/usr/bin/env node
/**
 * What Shared Signals streams cost a PAT write (issue 21, item 3): PAT create + delete, one pair
 * after another, with 1 stream and with 1,000, then with 1 again (to show any drift of the run
 * itself). A PAT write logs one change whatever the number of streams; SETs are signed when a
 * stream is read, so the pairs should cost the same. Streams are poll streams nobody polls.
 *
 * Usage: node tools/bench/ssf-streams.mjs [--pairs N] [--streams N] [--database-url URL]
 * (npm run bench:ssf -w @patina/bench -- --pairs 300). Needs `npm run build` first.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { Patina } from './lib/patina.mjs';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '300' },
    streams: { type: 'string', default: '1000' },
    'database-url': { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const streamCount = Number(values.streams);
const POLL = 'urn:ietf:rfc:8936';
const PER_RECEIVER = 50;

const dataDir = mkdtempSync(join(tmpdir(), 'patina-bench-ssf-'));
const patina = new Patina({
  dataDir,
  config: { ssf: { maxStreams: streamCount + 10, maxStreamsPerClient: PER_RECEIVER } },
  env: values['database-url']
    ? {
        PATINA_DATABASE_URL: values['database-url'],
        PATINA_MASTER_KEY: randomBytes(32).toString('base64'),
        PATINA_PUBLIC_BASE_URL: 'http://patina.bench.invalid',
      }
    : {},
});

/** `count` pairs of create + delete; the time of each pair, in ms. */
async function measure(adminToken, label, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const pat = await patina.api(adminToken, 'POST', '/v3/personal-access-tokens', {
      name: `bench ${label} ${i}`,
    });
    await patina.api(adminToken, 'DELETE', `/v3/personal-access-tokens/${pat.id}`, undefined, 204);
    times.push(performance.now() - start);
  }
  return times;
}

function summary(label, streams, times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { label, streams, pairs: times.length, meanMs: mean, p50Ms: at(0.5), p95Ms: at(0.95) };
}

/** Receivers with ssf.manage, each opening up to PER_RECEIVER poll streams, until `total`. */
async function openStreams(adminToken, total) {
  const ids = [];
  while (ids.length < total) {
    const suffix = randomBytes(4).toString('hex');
    const identity = await patina.api(
      adminToken,
      'POST',
      '/patina/v1/identities',
      { name: `bench receiver ${suffix}`, login: `bench-rs-${suffix}`, rights: ['ssf.manage'] },
      201,
    );
    const made = await patina.api(
      adminToken,
      'POST',
      `/patina/v1/identities/${identity.id}/personal-access-tokens`,
      { name: 'bench receiver' },
    );
    const pat = { clientId: made.id, clientSecret: made.secret };
    const token = await patina.accessToken(pat);
    for (let i = 0; i < PER_RECEIVER && ids.length < total; i++) {
      const stream = await patina.api(
        token,
        'POST',
        '/ssf/streams',
        { delivery: { method: POLL } },
        201,
      );
      ids.push(stream.stream_id);
    }
  }
  return ids;
}

try {
  await patina.start();
  const adminToken = await patina.accessToken(patina.credentials());
  const [first] = await openStreams(adminToken, 1);
  await measure(adminToken, 'warm-up', Math.min(100, pairs));
  const results = [summary('1 stream', 1, await measure(adminToken, 'one', pairs))];
  const more = await openStreams(adminToken, streamCount - 1);
  results.push(
    summary(`${streamCount} streams`, streamCount, await measure(adminToken, 'many', pairs)),
  );
  for (const id of more)
    await patina.api(adminToken, 'DELETE', `/patina/v1/ssf-streams/${id}`, undefined, 204);
  results.push(summary('1 stream again', 1, await measure(adminToken, 'again', pairs)));
  void first;
  const base = results[0].meanMs;
  const lines = ['| run | streams | pairs | mean ms | p50 ms | p95 ms | mean vs 1 stream |'];
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const delta = ((r.meanMs / base - 1) * 100).toFixed(1);
    lines.push(
      `| ${r.label} | ${r.streams} | ${r.pairs} | ${r.meanMs.toFixed(2)} | ${r.p50Ms.toFixed(2)} | ${r.p95Ms.toFixed(2)} | ${delta} % |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await patina.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
