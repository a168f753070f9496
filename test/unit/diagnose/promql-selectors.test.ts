// The selector extractor on the shapes real triggers use, the PromQL it reads that a hand-written
// scanner did not, and its bounds.
import {
  MAX_PARENTHESES,
  MAX_QUERY_LENGTH,
  durationSeconds,
  extractSelectors,
  selectorText,
} from '../../../src/diagnose/promql-selectors';

test('a tutorial query: the metric, its matchers, the range and rate around it', async () => {
  expect(
    await extractSelectors(
      'sum(rate(http_requests_total{namespace="shop",deployment!~"canary.*"}[2m]))',
    ),
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

test('grouping labels, keywords, numbers, strings and offsets are not selectors', async () => {
  const selectors = await extractSelectors(
    'sum by (pod, namespace) (rate(a_total[1m30s] offset 5m)) / on(pod) group_left ' +
      'max(b{job="x"}) > bool 0.5 and label_replace(c, "dst", "$1", "src", "(.*)") or vector(1e3)',
  );
  expect(selectors.map(s => [s.metric, s.rangeSeconds, s.enclosing])).toEqual([
    ['a_total', 90, 'rate'],
    ['b', undefined, 'max'],
    ['c', undefined, 'label_replace'],
  ]);
});

test('{__name__="x"} names the metric; a nameless selector keeps its matchers', async () => {
  expect((await extractSelectors('{__name__="up", job="api"}'))[0]).toMatchObject({
    metric: 'up',
    matchers: [{ label: 'job', op: '=', value: 'api' }],
  });
  expect((await extractSelectors('count({job=~"a|b"})'))[0]).toMatchObject({
    metric: undefined,
    matchers: [{ label: 'job', op: '=~', value: 'a|b' }],
    enclosing: 'count',
  });
});

test('escaped quotes in values and a subquery range', async () => {
  const [s] = await extractSelectors('max_over_time(x{path="a\\"b"}[10m:1m])');
  expect(s?.matchers[0]?.value).toBe('a"b');
  expect(s?.rangeSeconds).toBe(600);
});

test('bounded: an over-long query yields nothing; selectorText quotes safely', async () => {
  expect(await extractSelectors(`up${' '.repeat(MAX_QUERY_LENGTH)}`)).toEqual([]);
  expect(selectorText('m', [{ label: 'a', op: '=', value: 'x"y' }])).toBe(
    '{__name__="m",a="x\\"y"}',
  );
  expect(durationSeconds('1h30m')).toBe(5400);
  expect(durationSeconds('5x')).toBeUndefined();
});

// Shapes from Prometheus's querying reference. The hand-written scanner this grammar replaced
// misread the next four; the two after them it read too, and they guard against regressions.

test('a quoted grouping label holding a parenthesis is not read as selectors', async () => {
  expect(await extractSelectors('sum by ("a)b") (rate(x{job="j"}[5m]))')).toEqual([
    {
      metric: 'x',
      matchers: [{ label: 'job', op: '=', value: 'j' }],
      rangeSeconds: 300,
      enclosing: 'rate',
    },
  ]);
});

test("a subquery of an expression: the inner selector keeps its own range, the subquery's resolution is no metric", async () => {
  expect(await extractSelectors('max_over_time(rate(x[1m])[10m:1m])')).toEqual([
    { metric: 'x', matchers: [], rangeSeconds: 60, enclosing: 'rate' },
  ]);
  expect(await extractSelectors('max_over_time((x)[10m:])')).toEqual([
    { metric: 'x', matchers: [], rangeSeconds: undefined, enclosing: 'max_over_time' },
  ]);
});

test('a range in plain seconds, and Go escapes in label values', async () => {
  expect((await extractSelectors('rate(x[300])'))[0]?.rangeSeconds).toBe(300);
  expect(durationSeconds('1.5')).toBe(1.5);
  const [s] = await extractSelectors('x{a="\\u00e9\\x41\\101\\t", b=`\\n`}');
  expect(s?.matchers).toEqual([
    { label: 'a', op: '=', value: 'éAA\t' },
    { label: 'b', op: '=', value: '\\n' },
  ]);
});

test('@ start()/end(), offset, smoothed and bool are modifiers; a metric may be called start', async () => {
  const selectors = await extractSelectors(
    'rate(a[5m] @ end() offset -1h) + b @ start() > bool sum(start) or rate(c[2m] smoothed)',
  );
  expect(selectors.map(s => [s.metric, s.rangeSeconds, s.enclosing])).toEqual([
    ['a', 300, 'rate'],
    ['b', undefined, undefined],
    ['start', undefined, 'sum'],
    ['c', 120, 'rate'],
  ]);
});

test('on()/ignoring()/group_left() clauses, comments and strings with braces hold no selectors', async () => {
  const selectors = await extractSelectors(
    'a * on(pod) group_left(node) b{c="}"} # d{e="f"}\n' +
      '/ ignoring(x) label_replace(g, "dst", "{h=\\"i\\"}", "src", "(.*)")',
  );
  expect(selectors.map(s => [s.metric, s.matchers])).toEqual([
    ['a', []],
    ['b', [{ label: 'c', op: '=', value: '}' }]],
    ['g', []],
  ]);
});

test('quoted names (Prometheus 3) and a matcher the grammar cannot read, which is left out', async () => {
  expect(await extractSelectors('{"my.metric", "service.name"="api"}')).toMatchObject([
    { metric: 'my.metric', matchers: [{ label: 'service.name', op: '=', value: 'api' }] },
  ]);
  expect((await extractSelectors('x{a="b" or c="d"}'))[0]?.matchers).toEqual([
    { label: 'a', op: '=', value: 'b' },
  ]);
});

test('bounded: a query nested deeper than the parser answers quickly for yields nothing', async () => {
  const nested = (depth: number) => `${'sum('.repeat(depth)}x${')'.repeat(depth)}`;
  expect(await extractSelectors(nested(MAX_PARENTHESES))).toHaveLength(1);
  expect(await extractSelectors(nested(MAX_PARENTHESES + 1))).toEqual([]);
});
