// One builder for a trigger's upstream request and its cache key: every part of the request is in
// the key, nothing a trigger chooses for its own caller is, and queryParameters timeout= may only
// lower the source's timeout.
import { upstreamRequest } from '../../../src/core/upstream-request';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { Source } from '../../../src/sources/source';

const source = { id: 'prom', name: 'prom', defaultTimeoutMs: 3000 } as Source;
const build = (metadata: Record<string, string>, which: 'query' | 'activation' = 'query') =>
  upstreamRequest(
    { spec: parseTrigger({ query: 'sum(up)', threshold: '1', ...metadata }), source },
    which,
    15_000,
  );

test('every field of the request changes the key', () => {
  const base = build({});
  const variants: Record<string, string>[] = [
    { query: 'sum(down)' },
    { namespace: 'team-a' },
    { queryParameters: 'dedup=false' },
    { customHeaders: 'X-Scope-OrgID=a' },
    { httpMethod: 'POST' },
    { queryParameters: 'timeout=1s' },
  ];
  const changed = new Set<string>();
  for (const v of variants) {
    const other = build(v);
    expect(other.key).not.toBe(base.key);
    for (const field of Object.keys(base.request) as (keyof typeof base.request)[]) {
      if (JSON.stringify(other.request[field]) !== JSON.stringify(base.request[field]))
        changed.add(field);
    }
  }
  // The variants above touch every field the request has: none can be sent without being keyed.
  expect([...changed].sort()).toEqual(Object.keys(base.request).sort());
});

test('what a trigger chooses for its own caller is in neither the request nor the key', () => {
  const base = build({});
  const own: Record<string, string>[] = [
    { timeout: '1' },
    { fallbackValue: '100' },
    { maxStaleness: '1m' },
    { activationThreshold: '5' },
    { threshold: '99' },
    { ignoreNullValues: 'false' },
    { multipleSeries: 'sum' },
  ];
  for (const v of own) {
    expect(build(v)).toEqual(base);
  }
});

test("the upstream timeout is the source's; queryParameters timeout= may only lower it", () => {
  expect(build({}).request.timeoutMs).toBe(3000);
  expect(build({ timeout: '1' }).request.timeoutMs).toBe(3000);
  expect(build({ queryParameters: 'timeout=0.5' }).request.timeoutMs).toBe(500);
  expect(build({ queryParameters: 'timeout=250ms' }).request.timeoutMs).toBe(250);
  const capped = build({ queryParameters: 'timeout=1h' });
  expect(capped.request.timeoutMs).toBe(3000);
  // Capped to the source's, it is the source's request: one cache entry for both.
  expect(capped.key).toBe(build({}).key);
  // Sent as the scaler's `timeout` parameter, not twice.
  expect(build({ queryParameters: 'timeout=0.5' }).request.queryParameters).toEqual({});
});

test('header names are keyed case-insensitively, as HTTP compares them', () => {
  expect(build({ customHeaders: 'x-scope-orgid=a' }).key).toBe(
    build({ customHeaders: 'X-Scope-OrgID=a' }).key,
  );
});

test('the activation request is the activationQuery, or the query when there is none', () => {
  expect(build({}, 'activation')).toEqual(build({}));
  const own = build({ activationQuery: 'sum(queue)' }, 'activation');
  expect(own.request.query).toBe('sum(queue)');
  expect(own.key).not.toBe(build({ activationQuery: 'sum(queue)' }).key);
});
