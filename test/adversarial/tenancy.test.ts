// Tenants on one shared source URL, attacked from one namespace: bad headers, oversized requests,
// rejected credentials and smuggled allowlist paths never reach or break another tenant.
import { status } from '@grpc/grpc-js';
import type { Scaler } from './harness';
import { metricValue, ref, startScaler, timed } from './harness';

let scaler: Scaler;
let fakeUrl: string;

beforeAll(async () => {
  scaler = await startScaler(url => ({
    sources: [
      { name: 'tenant-a', url, headers: { 'X-Scope-OrgID': 'a' }, timeout: '1s' },
      { name: 'tenant-b', url, headers: { 'X-Scope-OrgID': 'b' }, timeout: '1s' },
      { name: 'tenant-c', url, headers: { 'X-Scope-OrgID': 'c' }, timeout: '1s' },
      // One source for every tenant, each trigger naming its own in customHeaders (how the
      // built-in trigger's cortexOrgID migrates).
      { name: 'shared', url, timeout: '1s' },
    ],
    cache: { negativeTtl: '300ms' },
    allowedServerAddresses: [`${url}/select/*/prometheus`, 'http://127.0.0.*:9090'],
    breaker: { failureThreshold: 2, openDuration: '1m' },
  }));
  fakeUrl = scaler.prometheus.url;
  // Tenant a's credentials are rejected, tenant c is rate-limited, tenant b gets 2, and a request carrying X-Big is "too
  // large" for this server.
  scaler.prometheus.mode = {
    kind: 'custom',
    respond: (req, res) => {
      if (req.headers['x-big'] !== undefined) return void res.writeHead(431).end();
      if (req.headers['x-scope-orgid'] === 'a') return void res.writeHead(401).end('expired');
      const tenant = req.headers['x-scope-orgid'];
      if (tenant === 'c' || tenant === 'busy') {
        return void res.writeHead(429, { 'retry-after': '30' }).end('slow down');
      }
      if (tenant === 'forbidden') return void res.writeHead(403).end('no access');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '2'] }] },
        }),
      );
    },
  };
});
afterAll(() => scaler.stop());

const trigger = (source: string, query: string, extra: Record<string, string> = {}) => ({
  source,
  query,
  threshold: '1',
  ...extra,
});
const getMetrics = (metadata: Record<string, string>, namespace: string) =>
  timed(() => scaler.client.getMetrics(ref(metadata, 'so', namespace), ''));

test("bad headers and oversized requests from one namespace do not fail another's queries", async () => {
  const before = scaler.prometheus.queries.length;
  for (const q of ['h1', 'h2', 'h3']) {
    const r = await getMetrics(
      trigger('tenant-b', q, { customHeaders: 'X-A=1\r\nX-Scope-OrgID: a' }),
      'team-x',
    );
    expect(status[r.code]).toBe('INVALID_ARGUMENT');
  }
  // Refused at parse time: nothing was sent.
  expect(scaler.prometheus.queries.length).toBe(before);
  for (const q of ['big1', 'big2', 'big3']) {
    const r = await getMetrics(
      trigger('tenant-b', q, { customHeaders: `X-Big=${'b'.repeat(2000)}` }),
      'team-x',
    );
    expect(status[r.code]).toBe('INVALID_ARGUMENT');
    expect(r.details).toMatch(/too large \(HTTP 431\)/);
  }
  const sent = scaler.prometheus.queries.length;
  const other = await getMetrics(trigger('tenant-b', 'other'), 'team-y');
  expect(status[other.code]).toBe('OK');
  // Answered by the source itself: nothing of team-x's stands between team-y and it.
  expect(scaler.prometheus.queries.length).toBe(sent + 1);
  expect(
    await metricValue(scaler, 'keda_prometheus_scaler_source_breaker_state{source="tenant-b"}'),
  ).toBe(0);
});

test("tenant A's rejected credentials open only tenant A's breaker", async () => {
  for (const q of ['a1', 'a2', 'a3']) {
    const r = await getMetrics(trigger('tenant-a', q), 'team-a');
    expect(status[r.code]).toBe('UNAVAILABLE');
    expect(r.details).toMatch(
      /rejected the scaler's credentials \(HTTP 401\)|circuit breaker open/,
    );
    expect(r.details).not.toContain('expired');
  }
  const b = await getMetrics(trigger('tenant-b', 'a1'), 'team-b');
  expect(status[b.code]).toBe('OK');
  expect(
    await metricValue(scaler, 'keda_prometheus_scaler_source_breaker_state{source="tenant-a"}'),
  ).toBe(2);
  expect(
    await metricValue(scaler, 'keda_prometheus_scaler_source_breaker_state{source="tenant-b"}'),
  ).toBe(0);
});

test("a tenant's 429 Retry-After keeps only that tenant's source waiting, without asking again", async () => {
  const first = await getMetrics(trigger('tenant-c', 'c1'), 'team-c');
  expect(first.details).toMatch(/rate-limiting the scaler \(HTTP 429\); it asked to wait 30s/);
  const asked = scaler.prometheus.requests.length;
  const second = await getMetrics(trigger('tenant-c', 'c2'), 'team-c');
  expect(second.details).toMatch(/asked the scaler to wait \(Retry-After\); next attempt in 30s/);
  expect(scaler.prometheus.requests.length).toBe(asked);
  expect(status[(await getMetrics(trigger('tenant-b', 'c2'), 'team-b')).code]).toBe('OK');
});

test.each([
  ['an encoded slash', '/select/..%2F..%2Fx/prometheus', 'INVALID_ARGUMENT'],
  ['an encoded dot segment', '/select/%2E%2E/prometheus', 'INVALID_ARGUMENT'],
  ['a dot segment', '/select/../select/0/prometheus', 'INVALID_ARGUMENT'],
  ['another case in the path', '/SELECT/0/prometheus', 'PERMISSION_DENIED'],
])('a serverAddress with %s never reaches the upstream', async (_name, path, code) => {
  const before = scaler.prometheus.requests.length;
  const r = await getMetrics(
    { query: 'up', threshold: '1', serverAddress: `${fakeUrl}${path}` },
    'team-a',
  );
  expect(status[r.code]).toBe(code);
  expect(scaler.prometheus.requests.length).toBe(before);
});

test('a host wildcard does not admit a longer host (no DNS rebinding through nip.io)', async () => {
  const r = await getMetrics(
    { query: 'up', threshold: '1', serverAddress: 'http://127.0.0.1.nip.io:9090' },
    'team-a',
  );
  expect(status[r.code]).toBe('PERMISSION_DENIED');
  expect(r.details).toContain('allowedServerAddresses');
});

test('the allowed path form does reach the upstream', async () => {
  const r = await getMetrics(
    { query: 'up', threshold: '1', serverAddress: `${fakeUrl}/select/0/prometheus` },
    'team-a',
  );
  expect(status[r.code]).toBe('OK');
  expect(scaler.prometheus.requests.at(-1)?.path).toMatch(
    /^\/select\/0\/prometheus\/api\/v1\/query/,
  );
});

describe('one shared source, tenants chosen by each trigger', () => {
  const tenant = (name: string, query: string) =>
    trigger('shared', query, { customHeaders: `X-Scope-OrgID=${name}` });
  const breaker = () =>
    metricValue(scaler, 'keda_prometheus_scaler_source_breaker_state{source="shared"}');

  test("a trigger's forbidden tenant stops that tenant's queries only, never the shared breaker", async () => {
    const asked = scaler.prometheus.requests.length;
    const details: string[] = [];
    for (const q of ['f1', 'f2', 'f3', 'f4']) {
      const r = await getMetrics(tenant('forbidden', q), 'team-f');
      expect(status[r.code]).toBe('UNAVAILABLE');
      details.push(r.details);
    }
    // failureThreshold 2: two refusals reach the source, then that tenant's breaker holds.
    expect(details[0]).toMatch(/HTTP 403.*this trigger's customHeaders x-scope-orgid may select/);
    expect(details[3]).toMatch(
      /refused this trigger's customHeaders x-scope-orgid \(circuit breaker open after 2 /,
    );
    expect(scaler.prometheus.requests.length - asked).toBe(2);
    expect(await breaker()).toBe(0);
    expect(status[(await getMetrics(trigger('shared', 'f1'), 'team-g')).code]).toBe('OK');
    expect(status[(await getMetrics(tenant('ok', 'f1'), 'team-g')).code]).toBe('OK');
  });

  test('a header that selects nothing still backs off: the source is not hammered', async () => {
    // The same 403 for every query: whatever the trigger's headers, its identity's breaker opens.
    const asked = scaler.prometheus.requests.length;
    for (let i = 0; i < 20; i++) {
      await getMetrics(
        trigger('shared', `n${i}`, { customHeaders: 'X-Scope-OrgID=forbidden,X-Nothing=1' }),
        'team-n',
      );
    }
    expect(scaler.prometheus.requests.length - asked).toBe(2);
    expect(await breaker()).toBe(0);
  });

  test("a trigger's rate-limited tenant waits as asked, alone", async () => {
    const first = await getMetrics(tenant('busy', 'r1'), 'team-r');
    expect(first.details).toMatch(/HTTP 429\) \(this trigger's customHeaders.*asked to wait 30s/);
    const asked = scaler.prometheus.requests.length;
    // Another query of the same tenant: the tenant's breaker waits the 30 s; nothing is sent.
    const again = await getMetrics(tenant('busy', 'r2'), 'team-r');
    expect(again.details).toMatch(
      /asked this trigger's customHeaders x-scope-orgid to wait \(Retry-After\); next attempt in 30s/,
    );
    expect(scaler.prometheus.requests.length).toBe(asked);
    expect(await breaker()).toBe(0);
    expect(status[(await getMetrics(trigger('shared', 'r1'), 'team-s')).code]).toBe('OK');
  });
});
