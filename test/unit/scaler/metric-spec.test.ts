// Metric names, specs and value fields as KEDA reads them (external_scaler.go).
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import { buildMetricSpec, toMetricValueFields } from '../../../src/scaler/metric-spec';
import { deriveMetricName } from '../../../src/core/metric-name';
import { metricNameMatches } from '../../../src/scaler/service';

const spec = (extra: Record<string, string> = {}) =>
  parseTrigger({
    query: 'sum(rate(http_requests_total{job="api"}[1m]))',
    threshold: '10',
    ...extra,
  });

describe('deriveMetricName', () => {
  test('readable, lower-case, path-safe, and deterministic', () => {
    const name = deriveMetricName(spec(), 'prod');
    expect(name).toMatch(/^prom-sum-rate-http-requests-total-job-api-1m-[0-9a-f]{8}$/);
    expect(deriveMetricName(spec(), 'prod')).toBe(name);
  });

  test.each([
    ['another source', [spec(), 'staging']],
    ['another query', [spec({ query: 'sum(up)' }), 'prod']],
    ['another namespace parameter', [spec({ namespace: 'b' }), 'prod']],
    ['other query parameters', [spec({ queryParameters: 'dedup=false' }), 'prod']],
  ] as const)('changes with %s', (_name, [other, source]) => {
    expect(deriveMetricName(other, source)).not.toBe(deriveMetricName(spec(), 'prod'));
  });

  test('does not change with the threshold (the HPA keeps its metric)', () => {
    expect(deriveMetricName(spec({ threshold: '99' }), 'prod')).toBe(
      deriveMetricName(spec(), 'prod'),
    );
  });

  test('a query of symbols only still gives a valid name', () => {
    expect(deriveMetricName(spec({ query: '(((1)))' }), 'p')).toMatch(/^prom-1-[0-9a-f]{8}$/);
    expect(deriveMetricName(spec({ query: '+' }), 'p')).toMatch(/^prom-[0-9a-f]{8}$/);
  });

  test('an explicit metricName wins', () => {
    expect(deriveMetricName(spec({ metricName: 'Queue' }), 'prod')).toBe('queue');
  });
});

describe('buildMetricSpec', () => {
  test.each([
    ['whole threshold', '10', '10', 10],
    ['fraction rounds', '2.5', '3', 2.5],
    ['below 0.5 is at least 1 for old KEDA', '0.2', '1', 0.2],
  ])('%s', (_name, threshold, targetSize, targetSizeFloat) => {
    expect(buildMetricSpec(spec({ threshold }), 'm')).toEqual({
      metricName: 'm',
      targetSize,
      targetSizeFloat,
    });
  });
});

describe('toMetricValueFields', () => {
  test.each([
    ['positive', 12.4, '12', 12.4],
    ['rounds half up', 2.5, '3', 2.5],
    ['negative is clamped', -3, '0', 0],
    ['NaN is clamped', NaN, '0', 0],
    ['+Inf is clamped', Infinity, '0', 0],
    ['huge values cap the int field', 1e30, '9223372036854775807', 1e30],
  ])('%s', (_name, value, metricValue, metricValueFloat) => {
    expect(toMetricValueFields(value)).toEqual({ metricValue, metricValueFloat });
  });
});

describe('metricNameMatches', () => {
  test.each([
    ['exact', 'prom-x-1', true],
    ['lower-cased by the HPA path', 'PROM-X-1', true],
    ['with KEDA index prefix', 's0-prom-x-1', true],
    ['with a two-digit prefix', 's12-prom-x-1', true],
    ['empty asks for the trigger metric', '', true],
    ['another metric', 'prom-y-1', false],
  ])('%s', (_name, requested, expected) => {
    expect(metricNameMatches(requested, 'prom-x-1')).toBe(expected);
  });
});
