import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The repository's root, where deploy/ is. */
export const REPO_ROOT = new URL('../../../../', import.meta.url);
export const ALERTS_FILE = new URL('deploy/prometheus/alerts.yml', REPO_ROOT);
export const ALERTS_TEST_FILE = new URL('deploy/prometheus/alerts.test.yml', REPO_ROOT);
export const DASHBOARD_FILE = new URL('deploy/grafana/patina.json', REPO_ROOT);

/** Words of PromQL that are not metric names: binary operators and modifiers. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: every identifier that is not a function or an
 * aggregation (those are followed by `(`), a keyword, a label name or a label value. Label
 * values and names are taken out first: strings, `{…}` matchers, `[…]` ranges and the label
 * lists of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. Grafana's variables
 * (`$job`, `${datasource}`, `$__rate_interval`) are taken out too. promtool checks the syntax;
 * it cannot say whether a name exists.
 */
export function metricNames(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\boffset\s+-?[0-9a-z]+/gi, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*(?![\w:])/g)) {
    const name = match[0];
    const next = bare.slice(match.index + name.length).trimStart();
    if (next.startsWith('(') || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Every alert of alerts.yml with its expression. */
export function alertExpressions(): { name: string; expr: string }[] {
  const rules = parse(readFileSync(ALERTS_FILE, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({ name: rule.alert ?? rule.record ?? '?', expr: rule.expr })),
  );
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every query of the dashboard, panels in rows included, and of its template variables. */
export function dashboardExpressions(): { name: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    panels: Panel[];
    templating?: { list: { name: string; type: string; definition?: string }[] };
  };
  const fromPanels = (panels: Panel[]): { name: string; expr: string }[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).flatMap((target) =>
        target.expr ? [{ name: panel.title ?? '?', expr: target.expr }] : [],
      ),
      ...fromPanels(panel.panels ?? []),
    ]);
  const variables = (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query' && variable.definition)
    .map((variable) => ({
      name: `variable ${variable.name}`,
      // label_values(metric{…}, label): the metric is the query.
      expr: variable.definition!.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
    }));
  return [...fromPanels(dashboard.panels), ...variables];
}

/** An expression Prometheus can parse: Grafana's variables given values. */
export function withGrafanaVariables(expression: string): string {
  return expression
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?\w+\}?/g, '.*');
}

/**
 * The metric families of a Prometheus text exposition, by name, with their type; and the names
 * of the samples a histogram or summary adds (`_bucket`, `_sum`, `_count`), pointing at their
 * family.
 */
export function exposedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.set(name!, name!);
    const parts =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : type === 'summary'
          ? ['_sum', '_count']
          : [];
    for (const part of parts) families.set(`${name!}${part}`, name!);
  }
  return families;
}
