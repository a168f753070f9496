// Starts one real Prometheus with backfilled data for the whole integration run, and builds the
// CLI so process-level tests run the real binary.
import { execFileSync } from 'node:child_process';
import { backfillOpenMetrics } from '../helpers/fixtures';
import type { PrometheusProcess } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';

declare global {
  var __kpsPrometheus: PrometheusProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  globalThis.__kpsPrometheus = prometheus;
  // Workers are forked after global setup and inherit the environment.
  process.env['KPS_TEST_PROMETHEUS_URL'] = prometheus.url;
}
