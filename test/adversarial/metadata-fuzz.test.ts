// Seeded metadata fuzzer: thousands of hostile maps over grpc-js. Every answer is one of the
// expected statuses, well before its deadline, and a good call still works afterwards.
import { status } from '@grpc/grpc-js';
import { fuzzMetadata } from '../../bench/lib/metadata-fuzz';
import { seededRandom } from '../../bench/lib/seeded-random';
import type { Scaler, Timed } from './harness';
import { goodMetadata, ref, startScaler, timed } from './harness';

const SEED = 20261123;
const MAPS = 2000;
// Concurrent calls: enough to interleave big and small maps on one connection; more only
// measures the shared machine's queueing (client and server share this process).
const IN_FLIGHT = 4;
const DEADLINE_MS = 3000;
const EXPECTED = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.PERMISSION_DENIED,
  status.FAILED_PRECONDITION,
  status.UNAVAILABLE,
]);

let scaler: Scaler;
beforeAll(async () => (scaler = await startScaler()));
afterAll(() => scaler.stop());

test(`${MAPS} seeded maps (seed ${SEED}): expected statuses only, each well before its deadline`, async () => {
  const random = seededRandom(SEED);
  const maps = Array.from({ length: MAPS }, () => fuzzMetadata(random));
  const results: { index: number; result: Timed }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < maps.length) {
      const index = next++;
      const r = ref(maps[index] ?? {});
      const call =
        index % 3 === 0
          ? () => scaler.client.getMetrics(r, '', { deadlineMs: DEADLINE_MS })
          : index % 3 === 1
            ? () => scaler.client.getMetricSpec(r, { deadlineMs: DEADLINE_MS })
            : () => scaler.client.isActive(r, { deadlineMs: DEADLINE_MS });
      results.push({ index, result: await timed(call) });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const unexpected = results.filter(({ result }) => !EXPECTED.has(result.code));
  expect(
    unexpected.map(u => ({
      map: u.index,
      code: status[u.result.code],
      details: u.result.details.slice(0, 200),
    })),
  ).toEqual([]);
  // "Well before": KEDA's 3 s deadline with most of it to spare, on a shared 2-core machine.
  const slow = results.filter(({ result }) => result.ms > DEADLINE_MS * 0.6);
  expect(
    slow.map(s => ({ map: s.index, ms: Math.round(s.result.ms), code: status[s.result.code] })),
  ).toEqual([]);
  // The fuzzer reached every outcome it should, so it is not stuck on one path.
  const seen = new Set(results.map(r => r.result.code));
  expect(seen).toEqual(new Set([status.OK, status.INVALID_ARGUMENT, status.PERMISSION_DENIED]));
  // About 10 s alone; in `npm run check` the other suites run beside it.
}, 120_000);

test('a good call is answered afterwards', async () => {
  const result = await timed(() => scaler.client.getMetrics(ref(goodMetadata()), ''));
  expect(result.code).toBe(status.OK);
});
