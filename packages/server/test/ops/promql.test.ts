import { describe, expect, it } from 'vitest';
import { exposedFamilies, metricNames, withGrafanaVariables } from './promql.js';

describe('the metric names of a PromQL expression', () => {
  it.each([
    ['a bare name', 'patina_pats', ['patina_pats']],
    ['a name with matchers', 'patina_pats{status="active", job=~"a|b"}', ['patina_pats']],
    [
      'names under functions, aggregations and a range',
      'sum by (job, outbox) (rate(patina_deliveries_total{outcome!="delivered"}[5m]))',
      ['patina_deliveries_total'],
    ],
    [
      'a histogram quantile, label lists and Grafana variables left out',
      'histogram_quantile(0.99, sum by (le, route) (rate(patina_http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      ['patina_http_request_duration_seconds_bucket'],
    ],
    [
      'both sides of a binary operator, with on() and group_left()',
      'a_total / on (job) group_left (version) b_info > bool 0.5 unless c offset 1h',
      ['a_total', 'b_info', 'c'],
    ],
    [
      'both sides of and / or / unless, with an aggregation written after its argument',
      'sum(rate(x_total[5m])) without (instance) > 0 and y == 0 or z',
      ['x_total', 'y', 'z'],
    ],
    ['a label value that looks like a name', 'up{job="patina_outbox_depth"}', ['up']],
    ['numbers and durations', 'vector(1) * 1e3 + time() - 0.25', []],
  ])('finds %s', (_, expression, names) => {
    expect(metricNames(expression)).toEqual(names);
  });

  it('gives Grafana variables values Prometheus can parse', () => {
    expect(withGrafanaVariables('rate(x{job=~"$job", i=~"${instance}"}[$__rate_interval])')).toBe(
      'rate(x{job=~".*", i=~".*"}[5m])',
    );
  });
});

describe('the families of an exposition', () => {
  it('maps the samples of a histogram to its family', () => {
    const families = exposedFamilies(
      [
        '# HELP h_seconds a histogram',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="1"} 0',
        '# TYPE c_total counter',
        'c_total 1',
      ].join('\n'),
    );
    expect(Object.fromEntries(families)).toEqual({
      h_seconds: 'h_seconds',
      h_seconds_bucket: 'h_seconds',
      h_seconds_sum: 'h_seconds',
      h_seconds_count: 'h_seconds',
      c_total: 'c_total',
    });
  });
});
