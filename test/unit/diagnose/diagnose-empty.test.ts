// The diagnosis logic against a fake metadata API with a fixed set of series.
import { diagnoseEmpty } from '../../../src/diagnose/diagnose-empty';
import type { PrometheusMetadata } from '../../../src/diagnose/metadata-client';
import { BudgetSpent } from '../../../src/diagnose/metadata-client';
import { extractSelectors } from '../../../src/diagnose/promql-selectors';

type Series = Record<string, string>;

/** Answers from a list of series: a selector matches a series when all its matchers do. */
function fakeApi(
  series: Series[],
  scrapeIntervalS = 15,
  budget = 100,
): PrometheusMetadata & { calls: number } {
  const matching = async (selector: string | undefined): Promise<Series[]> => {
    if (selector === undefined) return series;
    const [s] = await extractSelectors(selector);
    return series.filter(
      x =>
        (s?.metric === undefined || x['__name__'] === s.metric) &&
        (s?.matchers ?? []).every(m => {
          const v = x[m.label] ?? '';
          const re = new RegExp(`^(?:${m.value})$`);
          return m.op === '='
            ? v === m.value
            : m.op === '!='
              ? v !== m.value
              : m.op === '=~'
                ? re.test(v)
                : !re.test(v);
        }),
    );
  };
  /** Each call spends budget; a spent budget rejects, as the real client's does. */
  const answer = <T>(fn: () => T | Promise<T>): Promise<T> =>
    new Promise(resolve => {
      api.spend();
      resolve(fn());
    });
  const api = {
    calls: 0,
    spend(): void {
      if (++api.calls > budget) throw new BudgetSpent('budget');
    },
    hasSeries: (selector: string) => answer(async () => (await matching(selector)).length > 0),
    labelNames: (selector?: string) =>
      answer(async () => [...new Set((await matching(selector)).flatMap(Object.keys))].sort()),
    labelValues: (label: string, selector?: string) =>
      answer(async () =>
        [
          ...new Set(
            (await matching(selector))
              .map(x => x[label])
              .filter((v): v is string => v !== undefined),
          ),
        ].sort(),
      ),
    // Ten minutes of samples at the scrape interval (a series as old as the window).
    sampleTimes: (_selector: string, windowS: number) =>
      answer(() =>
        Array.from(
          { length: Math.floor(windowS / scrapeIntervalS) },
          (_, i) => i * scrapeIntervalS,
        ),
      ),
  };
  return api;
}

const SERIES: Series[] = [
  { __name__: 'http_requests_total', namespace: 'shop', deployment: 'checkout' },
  { __name__: 'http_requests_total', namespace: 'shop', deployment: 'cart' },
  { __name__: 'http_requests_total', namespace: 'blog', deployment: 'web' },
  { __name__: 'http_request_duration_seconds_count', namespace: 'shop', deployment: 'checkout' },
];

test('an unknown metric gets the nearest existing names', async () => {
  const findings = await diagnoseEmpty('sum(rate(http_request_total[1m]))', fakeApi(SERIES));
  expect(findings).toEqual([
    {
      kind: 'unknown_metric',
      message:
        'metric http_request_total has no series in the last hour (did you mean http_requests_total?)',
    },
  ]);
});

test('a misspelled label is named, with the label it probably meant', async () => {
  const [f] = await diagnoseEmpty(
    'sum(http_requests_total{deploymnet="checkout"})',
    fakeApi(SERIES),
  );
  expect(f?.kind).toBe('unknown_label');
  expect(f?.message).toContain(
    'no series of http_requests_total has the label deploymnet (did you mean deployment?)',
  );
});

test('a value no series has is named with the values the label has', async () => {
  const [f] = await diagnoseEmpty('http_requests_total{deployment="checkot"}', fakeApi(SERIES));
  expect(f).toEqual({
    kind: 'emptying_matcher',
    message:
      'deployment="checkot" matches no series of http_requests_total (did you mean "checkout"?); deployment has: "cart", "checkout", "web"',
  });
});

test('matchers that each match alone but not together: the one that empties it, and the values there', async () => {
  const [f] = await diagnoseEmpty(
    'sum(http_requests_total{namespace="blog",deployment="checkout"})',
    fakeApi(SERIES),
  );
  expect(f?.kind).toBe('emptying_matcher');
  expect(f?.message).toBe(
    'each matcher of http_requests_total matches series alone, but deployment="checkout" together with namespace="blog" matches none; there deployment has: "web"',
  );
});

test('rate over a range shorter than two scrape intervals is named; a long enough one is not', async () => {
  const [short] = await diagnoseEmpty('rate(http_requests_total[1m])', fakeApi(SERIES, 60));
  expect(short?.kind).toBe('short_range');
  expect(short?.message).toContain(
    'scraped about every 60s, so a 60s range holds fewer than the two samples rate needs; use at least [120s]',
  );
  const [fine] = await diagnoseEmpty('rate(http_requests_total[2m]) > 1e9', fakeApi(SERIES, 60));
  expect(fine?.kind).toBe('selectors_match');
});

test('bounded: a spent request budget ends the diagnosis with what it found', async () => {
  const api = fakeApi(SERIES, 15, 1);
  const findings = await diagnoseEmpty('a{x="1"} + b{y="2"} + c', api);
  expect(findings[findings.length - 1]?.kind).toBe('incomplete');
  expect(api.calls).toBe(2);
});

test('no selector at all is said plainly', async () => {
  expect(await diagnoseEmpty('vector(0) > 1', fakeApi(SERIES))).toEqual([
    { kind: 'incomplete', message: 'no metric selector found in the query to examine' },
  ]);
});

test('a metric family comes before edit distance: suffixes either way, and a namespace prefix', async () => {
  const names: Series[] = [
    { __name__: 'http_requests_total' },
    { __name__: 'http_request_duration_seconds_bucket' },
    { __name__: 'http_request_duration_seconds_count' },
    { __name__: 'shop_orders_total' },
  ];
  const meant = async (query: string) => (await diagnoseEmpty(query, fakeApi(names)))[0]?.message;
  expect(await meant('sum(rate(http_requests[1m]))')).toBe(
    'metric http_requests has no series in the last hour (did you mean http_requests_total?)',
  );
  expect(await meant('http_requests_total_total')).toContain('(did you mean http_requests_total?)');
  expect(await meant('http_request_duration_seconds')).toContain(
    '(did you mean http_request_duration_seconds_count or http_request_duration_seconds_bucket?)',
  );
  expect(await meant('orders_total')).toContain('(did you mean shop_orders_total?)');
  // No family member: the typo search as before.
  expect(await meant('http_request_total')).toContain('(did you mean http_requests_total?)');
});

test('the scrape interval comes from the samples, not the window over their count', async () => {
  const api = fakeApi(SERIES);
  // A series one minute old, scraped every 5 s: 12 samples in the ten-minute window.
  api.sampleTimes = () =>
    Promise.resolve(Array.from({ length: 12 }, (_, i) => 1_700_000_000 + 5 * i));
  const [f] = await diagnoseEmpty('rate(http_requests_total[8s])', api);
  expect(f?.message).toContain('scraped about every 5s, so a 8s range holds fewer');
});
