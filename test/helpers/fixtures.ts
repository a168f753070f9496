// Backfill data with known exact answers, shared by integration tests and benchmarks.

/** Sample spacing (s); the data runs from 2 h before to 1 h after the moment it is made. */
const STEP_S = 15;

/**
 * Series and the answers PromQL gives over them at any time inside the window:
 * - sum(rate(kps_test_requests_total[1m])) = 15 (pod a 10/s, pod b 5/s)
 * - kps_test_queue_depth: q1 = 42, q2 = 8 (sum 50, max 42, min 8, avg 25)
 * - kps_test_negative = -3.5, kps_test_fraction = 0.25
 */
export const EXPECTED = {
  requestRate: 15,
  queueDepth: { q1: 42, q2: 8 },
  negative: -3.5,
  fraction: 0.25,
} as const;

export function backfillOpenMetrics(nowS = Date.now() / 1000): string {
  const start = Math.floor(nowS / STEP_S) * STEP_S - 2 * 3600;
  const end = start + 3 * 3600;
  const lines: string[] = [];
  const each = (fn: (t: number) => string): void => {
    for (let t = start; t <= end; t += STEP_S) lines.push(fn(t));
  };
  lines.push(
    '# HELP kps_test_requests Requests handled (test data).',
    '# TYPE kps_test_requests counter',
  );
  for (const [pod, slope] of [
    ['a', 10],
    ['b', 5],
  ] as const) {
    each(t => `kps_test_requests_total{pod="${pod}"} ${slope * (t - start)} ${t}`);
  }
  lines.push(
    '# HELP kps_test_queue_depth Queue depth (test data).',
    '# TYPE kps_test_queue_depth gauge',
  );
  for (const [queue, depth] of Object.entries(EXPECTED.queueDepth)) {
    each(t => `kps_test_queue_depth{queue="${queue}"} ${depth} ${t}`);
  }
  lines.push('# TYPE kps_test_negative gauge');
  each(t => `kps_test_negative ${EXPECTED.negative} ${t}`);
  lines.push('# TYPE kps_test_fraction gauge');
  each(t => `kps_test_fraction ${EXPECTED.fraction} ${t}`);
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
