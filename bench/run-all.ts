// `npm run bench`: every benchmark in one run against one real Prometheus, printed as JSON.
// Figures are ratios measured side by side in this run (docs/performance.md "Performance").
import { cpus } from 'node:os';
import { backfillOpenMetrics } from '../test/helpers/fixtures';
import { startPrometheus } from '../scripts/lib/prometheus-process';
import { amplification } from './amplification';
import { hotPath } from './hot-path';
import { memory } from './memory';
import { missPath } from './miss-path';
import { resources } from './resources';
import { peerWake } from './peers';
import { crossingLatency, manyStreams } from './push';
import { startup } from './startup';
import { fuzzEventLoop } from './fuzz-event-loop';

const quick = process.argv.includes('--quick');

async function main(): Promise<void> {
  const prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    quick,
  };
  try {
    process.stderr.write('bench: start-up to the first GetMetricSpec\n');
    report['startup'] = await startup(quick ? 5 : 10);
    process.stderr.write('bench: memory\n');
    report['memory'] = await memory(100_000);
    process.stderr.write('bench: resources under long queries and large invalid maps\n');
    report['resources'] = await resources();
    process.stderr.write('bench: miss path\n');
    report['missPath'] = await missPath(prometheus, quick ? 200 : 1000);
    process.stderr.write('bench: hot path\n');
    report['hotPath'] = await hotPath(prometheus, quick ? 3000 : 10_000, quick ? 1 : 3);
    process.stderr.write('bench: amplification (one minute)\n');
    report['amplification'] = await amplification(prometheus, {
      scaledObjects: 1000,
      distinctQueries: 20,
      durationMs: quick ? 20_000 : 60_000,
      pollMs: 30_000,
      hpaMs: 15_000,
      ttlMs: 15_000,
    });
    process.stderr.write('bench: 10,000 streams\n');
    report['pushStreams'] = await manyStreams(prometheus, 10_000, 100, quick ? 1000 : 2000);
    process.stderr.write('bench: metadata fuzzer, event-loop blocks\n');
    report['fuzzEventLoop'] = await fuzzEventLoop(prometheus.url, quick ? 1000 : 3000);
    process.stderr.write('bench: gauge crossing to true (polling and Alertmanager)\n');
    report['pushCrossing'] = await crossingLatency(quick ? 2 : 5);
    process.stderr.write('bench: an alert to one replica wakes streams on all three\n');
    report['peerWake'] = await peerWake(prometheus, 3, 100, quick ? 5 : 20);
  } finally {
    await prometheus.stop();
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
