// A caller's text against the operator's globs: a ScaledObjectRef.namespace against a source's
// namespace globs, a serverAddress against allowedServerAddresses patterns with several `*`.
// Each is answered at once, never backtracked through while every other call waits.
import { status } from '@grpc/grpc-js';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler, timed } from './harness';

let scaler: Scaler;
beforeAll(
  async () =>
    (scaler = await startScaler(url => ({
      // "Any namespace with at least two dashes": three stars, which a regular expression checks
      // by trying every split of the name (cubic in its length).
      sources: [{ name: 'fake', url, namespaces: ['*-*-*'], timeout: '1s' }],
      allowedServerAddresses: [`${url}/tenants/*-*-*-prod/prometheus`],
    }))),
);
afterAll(() => scaler.stop());

/**
 * A bound on a hang only. Backtracking through every split of a 4,000-character name is of the
 * order of 10^10 steps: it would hold the call far past this, and the status would say so. How
 * long a good answer takes is the benchmarks' business, not this test's.
 */
const DEADLINE_MS = 20_000;

/** The hostile call and a /healthz probe sent with it: the call's status, the probe's 200. */
async function attack(call: () => Promise<unknown>): Promise<{ code: string; details: string }> {
  const bad = timed(call);
  const probe = httpGet(`${scaler.httpUrl}/healthz`);
  const result = await bad;
  expect((await probe).status).toBe(200);
  return { code: status[result.code], details: result.details };
}

test('a 4,000-character namespace is PERMISSION_DENIED at once, and /healthz stays fast', async () => {
  const hostile = `${'-'.repeat(4000)}!`;
  const r = await attack(() =>
    scaler.client.getMetricSpec(ref(goodMetadata(), 'so', hostile), { deadlineMs: DEADLINE_MS }),
  );
  expect(r.code).toBe('PERMISSION_DENIED');
  // Shown by its start and size, not whole.
  expect(r.details).toMatch(/^namespace "-{63}"… \(4001 bytes\) may not use source "fake"/);
});

test('a real namespace the glob admits is served', async () => {
  const r = await timed(() =>
    scaler.client.getMetricSpec(ref(goodMetadata(), 'so', 'team-a-dev'), {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(status[r.code]).toBe('OK');
});

test('a serverAddress with a 4,000-character path segment is PERMISSION_DENIED at once', async () => {
  const serverAddress = `${scaler.prometheus.url}/tenants/${'-'.repeat(4000)}/prometheus`;
  const r = await attack(() =>
    scaler.client.getMetricSpec(ref(goodMetadata({ serverAddress }), 'so', 'team-a-dev'), {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(r.code).toBe('PERMISSION_DENIED');
});

test('the path the pattern admits is served', async () => {
  const serverAddress = `${scaler.prometheus.url}/tenants/eu-west-1-prod/prometheus`;
  const r = await timed(() =>
    scaler.client.getMetrics(ref(goodMetadata({ serverAddress }), 'so', 'team-a-dev'), '', {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(status[r.code]).toBe('OK');
  expect(scaler.prometheus.requests.at(-1)?.path).toBe(
    '/tenants/eu-west-1-prod/prometheus/api/v1/query',
  );
});
