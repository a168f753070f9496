// A caller's ScaledObjectRef.namespace against a source's namespace globs: a name no Kubernetes
// namespace can have (longer than 63) is refused at once, never backtracked through by a glob.
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
    }))),
);
afterAll(() => scaler.stop());

const DEADLINE_MS = 3000;

test('a 4,000-character namespace is PERMISSION_DENIED at once, and /healthz stays fast', async () => {
  const hostile = `${'-'.repeat(4000)}!`;
  const bad = timed(() =>
    scaler.client.getMetricSpec(ref(goodMetadata(), 'so', hostile), { deadlineMs: DEADLINE_MS }),
  );
  const probe = timed(() => httpGet(`${scaler.httpUrl}/healthz`));
  const result = await bad;
  expect(status[result.code]).toBe('PERMISSION_DENIED');
  expect(result.ms).toBeLessThan(DEADLINE_MS / 2);
  // Shown by its start and size, not whole.
  expect(result.details).toMatch(/^namespace "-{63}"… \(4001 bytes\) may not use source "fake"/);
  expect((await probe).ms).toBeLessThan(DEADLINE_MS / 2);
});

test('a real namespace the glob admits is served', async () => {
  const r = await timed(() =>
    scaler.client.getMetricSpec(ref(goodMetadata(), 'so', 'team-a-dev'), {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(status[r.code]).toBe('OK');
});
