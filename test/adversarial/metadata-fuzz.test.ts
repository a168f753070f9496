// Seeded metadata fuzzer: thousands of hostile maps over grpc-js. Every call is answered with one
// of the expected statuses, only accepted maps reach Prometheus, and a good call still works
// afterwards. How long the answers take is measured by bench/fuzz-event-loop.ts, not here.
import { status } from '@grpc/grpc-js';
import { fuzzMaps } from '../../bench/lib/metadata-fuzz';
import type { Scaler, Timed } from './harness';
import { goodMetadata, ref, startScaler, timed } from './harness';

const SEED = 20261123;
const MAPS = 2000;
// Concurrent calls: enough to interleave big and small maps on one connection; more only
// measures the shared machine's queueing (client and server share this process).
const IN_FLIGHT = 4;
/** A bound on a hang only: a loaded machine's pauses must not turn an answer into a failure. */
const DEADLINE_MS = 20_000;
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

test(`${MAPS} seeded maps (seed ${SEED}): each answered, expected statuses only, refused maps cost Prometheus nothing`, async () => {
  const maps = fuzzMaps(SEED, MAPS);
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
  // Every map had its answer (none lost, none DEADLINE_EXCEEDED), and the fuzzer reached every
  // outcome it should, so it is not stuck on one path.
  const counts = new Map<string, number>();
  for (const { result } of results) {
    const name = status[result.code];
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  expect(results).toHaveLength(MAPS);
  expect([...counts.keys()].sort()).toEqual(['INVALID_ARGUMENT', 'OK', 'PERMISSION_DENIED']);
  // What reached Prometheus: exactly the queries of maps accepted by a call that queries it
  // (GetMetrics, IsActive), each at least once; a refused map sent nothing.
  const accepted = new Set(
    results
      .filter(({ index, result }) => index % 3 !== 1 && result.code === status.OK)
      .map(({ index }) => maps[index]?.['query']),
  );
  const asked = new Set(scaler.prometheus.queries.map(q => q.query.get('query') ?? undefined));
  expect(accepted.size).toBeGreaterThan(0);
  expect([...asked].filter(q => !accepted.has(q))).toEqual([]);
  expect([...accepted].filter(q => !asked.has(q))).toEqual([]);
  // About 10 s alone; in `npm run check` the other suites run beside it.
}, 120_000);

test('a good call is answered afterwards', async () => {
  const result = await timed(() => scaler.client.getMetrics(ref(goodMetadata()), ''));
  expect(result.code).toBe(status.OK);
});
