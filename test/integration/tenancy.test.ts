// Sources that share one URL but differ in tenant header or credentials stay apart: their cached
// values, breakers and limits are the source's own, over real gRPC against a loopback fake.
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { ScalerClient, ref } from '../helpers/scaler-client';
import type { ScaledObjectRef } from '../../src/grpc/messages';

/** What the fake answers per X-Scope-OrgID: a value, or an HTTP status. */
const tenants = new Map<string, { value: number } | { status: number }>();
const seen: string[] = [];
let fake: Server;
let app: App;
let client: ScalerClient;

beforeAll(async () => {
  fake = createServer((req, res) => {
    const org = String(req.headers['x-scope-orgid'] ?? '');
    seen.push(org);
    // A request this server thinks too large: the trigger's fault, not the source's.
    if (req.headers['x-big'] !== undefined) {
      res.statusCode = 431;
      res.end();
      return;
    }
    const answer = tenants.get(org) ?? { status: 404 };
    res.setHeader('content-type', 'application/json');
    if ('status' in answer) {
      res.statusCode = answer.status;
      if (answer.status === 429) res.setHeader('retry-after', '30');
      res.end(JSON.stringify({ status: 'error', errorType: 'auth', error: 'no' }));
      return;
    }
    const result = { resultType: 'scalar', result: [Date.now() / 1000, String(answer.value)] };
    res.end(JSON.stringify({ status: 'success', data: result }));
  });
  await new Promise<void>(resolve => fake.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [
      { name: 'tenant-a', url, headers: { 'X-Scope-OrgID': 'a' } },
      { name: 'tenant-b', url, headers: { 'X-Scope-OrgID': 'b' } },
      { name: 'tenant-c', url, headers: { 'X-Scope-OrgID': 'c' } },
      { name: 'team-z-only', url, headers: { 'X-Scope-OrgID': 'b' }, namespaces: ['team-z'] },
    ],
    breaker: { failureThreshold: 2, openDuration: '1m' },
  });
  app = createApp(config, { logger: createLogger('silent') });
  client = new ScalerClient(`127.0.0.1:${(await app.start()).grpcPort}`);
});

afterAll(async () => {
  client.close();
  await app.stop();
  await new Promise(resolve => fake.close(resolve));
});

const trigger = (source: string, query: string) => ({ source, query, threshold: '1' });

async function valueOf(metadata: Record<string, string>): Promise<number> {
  const res = await client.getMetrics(ref(metadata), '');
  return res.metricValues[0]?.metricValueFloat ?? NaN;
}

test("tenant B is never served tenant A's cached value for the same query", async () => {
  tenants.set('a', { value: 1 });
  tenants.set('b', { value: 2 });
  expect(await valueOf(trigger('tenant-a', 'up'))).toBe(1);
  expect(await valueOf(trigger('tenant-b', 'up'))).toBe(2);
});

test("tenant A's rejected credentials never open tenant B's breaker", async () => {
  tenants.set('a', { status: 401 });
  tenants.set('b', { value: 2 });
  // Distinct queries: each call reaches the source instead of the cached failure.
  for (const query of ['q1', 'q2', 'q3']) {
    const err = await client.getMetrics(ref(trigger('tenant-a', query)), '').then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(err?.code).toBe(status.UNAVAILABLE);
  }
  seen.length = 0;
  expect(await valueOf(trigger('tenant-b', 'q4'))).toBe(2);
  expect(seen).toEqual(['b']);
});

describe('a source limited to namespaces', () => {
  const metadata = trigger('team-z-only', 'up');

  /** The status a stream ends with, or OK once it sends a message. */
  function streamStatus(method: 'StreamIsActive' | 'StreamMetricSpec', r: ScaledObjectRef) {
    return new Promise<number>(resolve => {
      const call = client.stream(method, r);
      call.on('data', () => {
        call.cancel();
        resolve(status.OK);
      });
      call.on('error', (e: ServiceError) => resolve(e.code));
    });
  }

  const codeOf = (call: Promise<unknown>): Promise<number> =>
    call.then(
      () => status.OK,
      (e: ServiceError) => e.code,
    );

  test('answers every RPC from its own namespace', async () => {
    tenants.set('b', { value: 2 });
    const own = ref(metadata, 'so', 'team-z');
    expect((await client.getMetrics(own, '')).metricValues[0]?.metricValueFloat).toBe(2);
    expect(await codeOf(client.getMetricSpec(own))).toBe(status.OK);
    expect(await codeOf(client.isActive(own))).toBe(status.OK);
    expect(await streamStatus('StreamIsActive', own)).toBe(status.OK);
    expect(await streamStatus('StreamMetricSpec', own)).toBe(status.OK);
  });

  test('refuses every RPC from another namespace with PERMISSION_DENIED naming the rule', async () => {
    const outsider = ref(metadata, 'so', 'team-a');
    const err = await client.getMetrics(outsider, '').then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    expect(err?.details).toBe(
      'namespace "team-a" may not use source "team-z-only" (its namespaces): allowed namespaces are team-z',
    );
    expect(await codeOf(client.getMetricSpec(outsider))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(client.isActive(outsider))).toBe(status.PERMISSION_DENIED);
    expect(await streamStatus('StreamIsActive', outsider)).toBe(status.PERMISSION_DENIED);
    expect(await streamStatus('StreamMetricSpec', outsider)).toBe(status.PERMISSION_DENIED);
  });
});

describe("only the source's own failures count towards its breaker", () => {
  const codeAndText = (metadata: Record<string, string>, namespace: string) =>
    client.getMetrics(ref(metadata, 'so', namespace), '').then(
      () => ({ code: status.OK, details: '' }),
      (e: ServiceError) => ({ code: e.code, details: e.details }),
    );

  test('a header with CR LF is INVALID_ARGUMENT before anything is sent', async () => {
    seen.length = 0;
    const r = await codeAndText(
      { ...trigger('tenant-b', 'up'), customHeaders: 'X-A=1\r\nX-Scope-OrgID: a' },
      'team-x',
    );
    expect(r.code).toBe(status.INVALID_ARGUMENT);
    expect(r.details).toMatch(/customHeaders: header "X-A" value must be visible ASCII/);
    expect(seen).toEqual([]);
  });

  test("three too-large requests from one namespace do not fail another namespace's queries", async () => {
    tenants.set('b', { value: 2 });
    for (const query of ['big1', 'big2', 'big3']) {
      const r = await codeAndText(
        { ...trigger('tenant-b', query), customHeaders: `X-Big=${'b'.repeat(4000)}` },
        'team-x',
      );
      expect(r.code).toBe(status.INVALID_ARGUMENT);
      expect(r.details).toMatch(/refused the request as too large \(HTTP 431\)/);
    }
    expect(await codeAndText(trigger('tenant-b', 'other'), 'team-y')).toEqual({
      code: status.OK,
      details: '',
    });
  });

  test("a 429 with Retry-After opens that source's breaker for that long at once", async () => {
    tenants.set('c', { status: 429 });
    const first = await codeAndText(trigger('tenant-c', 'r1'), 'team-x');
    expect(first.code).toBe(status.UNAVAILABLE);
    expect(first.details).toMatch(/is rate-limiting the scaler \(HTTP 429\); it asked to wait 30s/);
    seen.length = 0;
    const second = await codeAndText(trigger('tenant-c', 'r2'), 'team-x');
    expect(second.details).toMatch(/asked the scaler to wait \(Retry-After\); next attempt in 30s/);
    expect(seen).toEqual([]);
  });
});
