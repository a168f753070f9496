// The selector extractor on the shapes real triggers use, and its bounds.
import {
  MAX_QUERY_LENGTH,
  durationSeconds,
  extractSelectors,
  selectorText,
} from '../../../src/diagnose/promql-selectors';

test('a tutorial query: the metric, its matchers, the range and rate around it', () => {
  expect(
    extractSelectors('sum(rate(http_requests_total{namespace="shop",deployment!~"canary.*"}[2m]))'),
  ).toEqual([
    {
      metric: 'http_requests_total',
      matchers: [
        { label: 'namespace', op: '=', value: 'shop' },
        { label: 'deployment', op: '!~', value: 'canary.*' },
      ],
      rangeSeconds: 120,
      enclosing: 'rate',
    },
  ]);
});

test('grouping labels, keywords, numbers, strings and offsets are not selectors', () => {
  const selectors = extractSelectors(
    'sum by (pod, namespace) (rate(a_total[1m30s] offset 5m)) / on(pod) group_left ' +
      'max(b{job="x"}) > bool 0.5 and label_replace(c, "dst", "$1", "src", "(.*)") or vector(1e3)',
  );
  expect(selectors.map(s => [s.metric, s.rangeSeconds, s.enclosing])).toEqual([
    ['a_total', 90, 'rate'],
    ['b', undefined, 'max'],
    ['c', undefined, 'label_replace'],
  ]);
});

test('{__name__="x"} names the metric; a nameless selector keeps its matchers', () => {
  expect(extractSelectors('{__name__="up", job="api"}')[0]).toMatchObject({
    metric: 'up',
    matchers: [{ label: 'job', op: '=', value: 'api' }],
  });
  expect(extractSelectors('count({job=~"a|b"})')[0]).toMatchObject({
    metric: undefined,
    matchers: [{ label: 'job', op: '=~', value: 'a|b' }],
    enclosing: 'count',
  });
});

test('escaped quotes in values and a subquery range', () => {
  const [s] = extractSelectors('max_over_time(x{path="a\\"b"}[10m:1m])');
  expect(s?.matchers[0]?.value).toBe('a"b');
  expect(s?.rangeSeconds).toBe(600);
});

test('bounded: an over-long query yields nothing; selectorText quotes safely', () => {
  expect(extractSelectors(`up${' '.repeat(MAX_QUERY_LENGTH)}`)).toEqual([]);
  expect(selectorText('m', [{ label: 'a', op: '=', value: 'x"y' }])).toBe(
    '{__name__="m",a="x\\"y"}',
  );
  expect(durationSeconds('1h30m')).toBe(5400);
  expect(durationSeconds('5x')).toBeUndefined();
});
