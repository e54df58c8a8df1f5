import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BAD_CREDENTIALS, freePort } from '../helpers.js';
import { poll } from '../poll.js';
import { startMetricsApp, value, wrongSecret } from './scrapes.js';

/**
 * A real Prometheus scrapes a real metrics listener: Debian's `prometheus` package (see .ci/run).
 * Without it the test is skipped with a warning on a developer's machine, and fails under CI.
 */
const PROMETHEUS = findPrometheus();

function findPrometheus(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== '') return path;
  if (process.env.CI) {
    throw new Error(
      'prometheus is not installed, and under CI the real-Prometheus test must run: apt-get install prometheus',
    );
  }
  console.warn('prometheus is not installed: the real-Prometheus test is skipped');
  return undefined;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Starts Prometheus scraping `target` every second, on a free port and a throwaway TSDB. */
async function startPrometheus(binary: string, target: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'patina-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: patina',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  const ready = await poll(
    () =>
      fetch(`${base}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok || child.exitCode !== null,
    { deadlineMs: 20_000, everyMs: 100 },
  );
  if (!ready.last) throw new Error(`prometheus did not start: ${stderr.slice(-2000)}`);
  return base;
}

describe.skipIf(PROMETHEUS === undefined)('a real Prometheus', () => {
  it('scrapes the metrics listener and sees each exchange outcome counted', async () => {
    const { t, listener, scrape } = await startMetricsApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'scraped' });
    const prometheus = await startPrometheus(PROMETHEUS!, `127.0.0.1:${listener.port}`);
    // The test app's admin exchanged its PAT once when it was made.
    const before = await scrape();
    const counted = (outcome: string) =>
      value(before, 'patina_token_exchanges_total', { outcome }) ?? 0;
    for (let i = 0; i < 2; i++) expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      const wrong = await t.exchange(pat.id, wrongSecret(pat.secret));
      expect(wrong.json()).toEqual(BAD_CREDENTIALS);
    }
    const expected = {
      success: String(counted('success') + 2),
      wrong_secret: String(counted('wrong_secret') + 3),
    };
    const query = `${prometheus}/api/v1/query?query=${encodeURIComponent('patina_token_exchanges_total')}`;
    const seen = await poll(
      async () => {
        const body = (await (await fetch(query)).json()) as {
          status: string;
          data: { result: VectorSample[] };
        };
        return Object.fromEntries(
          body.data.result.map((sample): [string, string] => [
            sample.metric.outcome ?? '',
            sample.value[1],
          ]),
        );
      },
      (outcomes) =>
        outcomes.success === expected.success && outcomes.wrong_secret === expected.wrong_secret,
      { deadlineMs: 30_000, everyMs: 250 },
    );
    expect(seen.last).toMatchObject(expected);
    // Prometheus labelled the series with its job and the listener it scraped.
    const up = (await (await fetch(`${prometheus}/api/v1/query?query=up`)).json()) as {
      data: { result: VectorSample[] };
    };
    expect(up.data.result).toEqual([
      expect.objectContaining({
        metric: { __name__: 'up', instance: `127.0.0.1:${listener.port}`, job: 'patina' },
        value: [expect.any(Number), '1'],
      }),
    ]);
  }, 60_000);
});
