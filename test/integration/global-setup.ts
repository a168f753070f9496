// Starts one real Prometheus and one real VictoriaMetrics with the same data for the whole
// integration run, and builds the CLI (tsc output and bundle) so process-level tests run the real
// binary.
import { execFileSync } from 'node:child_process';
import { backfillOpenMetrics } from '../helpers/fixtures';
import type { PrometheusProcess } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';
import { startVictoriaMetrics } from '../../scripts/lib/victoria-metrics-process';

declare global {
  var __kpsPrometheus: PrometheusProcess | undefined;
  var __kpsVictoriaMetrics: PrometheusProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // The esbuild bundle the image runs (test/integration/bundle.test.ts), as `npm run build` does.
  execFileSync(process.execPath, ['dist/scripts/bundle.js'], { stdio: 'inherit' });
  const data = backfillOpenMetrics();
  const prometheus = await startPrometheus({ openMetrics: data });
  globalThis.__kpsPrometheus = prometheus;
  const victoria = await startVictoriaMetrics(data);
  globalThis.__kpsVictoriaMetrics = victoria;
  process.env['KPS_TEST_VICTORIA_METRICS_URL'] = victoria.url;
  // Workers are forked after global setup and inherit the environment.
  process.env['KPS_TEST_PROMETHEUS_URL'] = prometheus.url;
}
