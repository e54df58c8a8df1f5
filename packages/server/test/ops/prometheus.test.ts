import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import {
  ALERTS_FILE,
  ALERTS_TEST_FILE,
  dashboardExpressions,
  withGrafanaVariables,
} from './promql.js';

/**
 * The alerting rules are checked and unit-tested by Prometheus's own `promtool` (Debian and
 * Ubuntu: `apt-get install prometheus`). Without it the tests are left out with a warning, unless
 * CI is set: CI must never skip them.
 */
const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const HAVE_PROMTOOL = PROMTOOL.status === 0;
const MUST_RUN = Boolean(process.env.CI);
if (!HAVE_PROMTOOL && !MUST_RUN) {
  console.warn('promtool is not installed: the Prometheus rule tests are skipped');
}

function promtool(...args: string[]): { status: number | null; output: string } {
  expect(
    HAVE_PROMTOOL,
    'promtool must be installed where CI runs (apt-get install prometheus)',
  ).toBe(true);
  const run = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.skipIf(!HAVE_PROMTOOL && !MUST_RUN)('the Prometheus alerting rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', fileURLToPath(ALERTS_FILE));
    expect(status, output).toBe(0);
  });

  it('pass their unit tests: each alert fires on its series and not on the others', () => {
    const { status, output } = promtool('test', 'rules', fileURLToPath(ALERTS_TEST_FILE));
    expect(status, output).toBe(0);
  });

  it('parse every query of the dashboard', () => {
    // promtool parses PromQL in rule files: each query becomes a recording rule.
    const rules = dashboardExpressions().map(({ expr }, index) => ({
      record: `patina:dashboard_query_${index}`,
      expr: withGrafanaVariables(expr),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'patina-dashboard-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const { status, output } = promtool('check', 'rules', file);
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
