// The requests a diagnosis sends (window, limit, the trigger's tenant header) and its bounds
// (response bytes, request count), against undici's MockAgent.
import { MockAgent } from 'undici';
import { BudgetSpent, SourceMetadata } from '../../../src/diagnose/metadata-client';
import type { SourceEndpoint } from '../../../src/prometheus/source-endpoint';

const ORIGIN = 'http://prom.test:9090';
const NOW_S = 1_700_000_000;
let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(() => agent.close());

const endpoint: SourceEndpoint = {
  name: 'unit',
  origin: ORIGIN,
  basePath: '/prom',
  defaultTimeoutMs: 3000,
  dispatcher: () => agent,
  headers: () => ({ authorization: 'Bearer source-token' }),
  ownsHeader: name => name === 'authorization',
  secretValues: () => [],
};
const LIMITS = { maxRequests: 3, timeoutMs: 1000, maxResponseBytes: 200, windowSeconds: 3600 };

test('series: the recent window, limit=1, the source auth and the trigger tenant header', async () => {
  const seen: { path: string; headers: Record<string, string> }[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: p => p.startsWith('/prom/api/v1/series?') })
    .reply(200, opts => {
      seen.push({ path: opts.path, headers: opts.headers as Record<string, string> });
      return JSON.stringify({ status: 'success', data: [] });
    });
  const api = new SourceMetadata(endpoint, { 'X-Scope-OrgID': 'team-a' }, LIMITS, NOW_S);
  expect(await api.hasSeries('{__name__="up"}')).toBe(false);
  const params = new URL(`${ORIGIN}${seen[0]?.path}`).searchParams;
  expect(params.get('match[]')).toBe('{__name__="up"}');
  expect(params.get('limit')).toBe('1');
  expect(params.get('start')).toBe((NOW_S - 3600).toFixed(3));
  expect(params.get('end')).toBe(NOW_S.toFixed(3));
  expect(seen[0]?.headers).toMatchObject({
    'x-scope-orgid': 'team-a',
    authorization: 'Bearer source-token',
  });
});

test('a response over the byte cap is abandoned: many series, or a list too long to read', async () => {
  const big = JSON.stringify({
    status: 'success',
    data: Array.from({ length: 50 }, (_, i) => `m${i}`),
  });
  const pool = agent.get(ORIGIN);
  pool.intercept({ path: p => p.startsWith('/prom/api/v1/series?') }).reply(200, big);
  pool
    .intercept({ path: p => p.startsWith('/prom/api/v1/label/__name__/values?') })
    .reply(200, big);
  const api = new SourceMetadata(endpoint, {}, LIMITS, NOW_S);
  expect(await api.hasSeries('{job="x"}')).toBe(true);
  expect(await api.labelValues('__name__')).toBeUndefined();
});

test('the request budget ends the diagnosis', async () => {
  agent
    .get(ORIGIN)
    .intercept({ path: p => p.startsWith('/prom/api/v1/labels?') })
    .reply(200, JSON.stringify({ status: 'success', data: ['job'] }))
    .persist();
  const api = new SourceMetadata(endpoint, {}, LIMITS, NOW_S);
  for (let i = 0; i < 3; i++) expect(await api.labelNames()).toEqual(['job']);
  await expect(api.labelNames()).rejects.toBeInstanceOf(BudgetSpent);
});

test('an answer nested deeper than a Prometheus answer can be is refused before parsing', async () => {
  const deep = `{"status":"success","data":${'['.repeat(40)}${']'.repeat(40)}}`;
  agent
    .get(ORIGIN)
    .intercept({ path: p => p.startsWith('/prom/api/v1/series?') })
    .reply(200, deep);
  const api = new SourceMetadata(endpoint, {}, LIMITS, NOW_S);
  await expect(api.hasSeries('{__name__="up"}')).rejects.toThrow(
    '/api/v1/series: JSON nested deeper than 32 levels',
  );
});

test("sample times: one series' exact label set, then its samples over the window", async () => {
  const queries: string[] = [];
  const pool = agent.get(ORIGIN);
  pool
    .intercept({ path: p => p.startsWith('/prom/api/v1/series?') })
    .reply(200, JSON.stringify({ status: 'success', data: [{ __name__: 'up', job: 'a"b' }] }));
  pool.intercept({ path: p => p.startsWith('/prom/api/v1/query?') }).reply(200, opts => {
    queries.push(new URL(`${ORIGIN}${opts.path}`).searchParams.get('query') ?? '');
    const values = [
      [NOW_S - 10, '1'],
      [NOW_S - 5, '2'],
    ];
    return JSON.stringify({
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: {}, values }] },
    });
  });
  const api = new SourceMetadata(endpoint, {}, LIMITS, NOW_S);
  expect(await api.sampleTimes('up', 600)).toEqual([NOW_S - 10, NOW_S - 5]);
  expect(queries).toEqual(['{__name__="up",job="a\\"b"}[600s]']);
});
