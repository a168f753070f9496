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
import { hostileTransport } from './hostile-transport';
import { maximalStreams, ordinaryStreams } from './stream-memory';

const quick = process.argv.includes('--quick');
/** `--only a,b`: just those scenarios (report keys), e.g. to measure one change quickly. */
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? undefined : new Set(process.argv[onlyArg + 1]?.split(','));
const want = (name: string): boolean => only === undefined || only.has(name);

async function main(): Promise<void> {
  const prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    quick,
  };
  // Every figure depends on the Node.js version (the report's `node` field says it too).
  process.stderr.write(`bench: Node.js ${process.version} (${process.execPath})\n`);
  try {
    if (want('startup')) {
      process.stderr.write('bench: start-up to the first GetMetricSpec\n');
      report['startup'] = await startup(quick ? 5 : 15, prometheus.url);
    }
    if (want('memory')) {
      process.stderr.write('bench: memory\n');
      report['memory'] = await memory(100_000);
    }
    if (want('resources')) {
      process.stderr.write('bench: resources under long queries and large invalid maps\n');
      report['resources'] = await resources();
    }
    if (want('missPath')) {
      process.stderr.write('bench: miss path\n');
      report['missPath'] = await missPath(prometheus, quick ? 200 : 1000);
    }
    if (want('hotPath')) {
      process.stderr.write('bench: hot path\n');
      report['hotPath'] = await hotPath(prometheus, quick ? 3000 : 10_000, quick ? 1 : 3);
    }
    if (want('amplification')) {
      process.stderr.write('bench: amplification (one minute)\n');
      report['amplification'] = await amplification(prometheus, {
        scaledObjects: 1000,
        distinctQueries: 20,
        durationMs: quick ? 20_000 : 60_000,
        pollMs: 30_000,
        hpaMs: 15_000,
        ttlMs: 15_000,
      });
    }
    if (want('pushStreams')) {
      process.stderr.write('bench: 10,000 streams\n');
      report['pushStreams'] = await manyStreams(prometheus, 10_000, 100, quick ? 1000 : 2000);
    }
    if (want('fuzzEventLoop')) {
      process.stderr.write('bench: metadata fuzzer, event-loop blocks\n');
      report['fuzzEventLoop'] = await fuzzEventLoop(prometheus.url, quick ? 1000 : 3000);
    }
    if (want('pushCrossing')) {
      process.stderr.write('bench: gauge crossing to true (polling and Alertmanager)\n');
      report['pushCrossing'] = await crossingLatency(quick ? 2 : 5);
    }
    if (want('peerWake')) {
      process.stderr.write('bench: an alert to one replica wakes streams on all three\n');
      report['peerWake'] = await peerWake(prometheus, 3, 100, quick ? 5 : 20);
    }
    if (want('streamMemory')) {
      process.stderr.write('bench: memory per stream, maximal metadata at the default caps\n');
      report['streamMemory'] = {
        maximalMetadata: await maximalStreams(prometheus, 2, quick ? 200 : 400),
        ordinary: await ordinaryStreams(prometheus, 10_000, 100),
      };
    }
    if (want('hostileTransport')) {
      process.stderr.write('bench: oversized messages and a slow-header flood (hostile clients)\n');
      report['hostileTransport'] = await hostileTransport(prometheus.url, quick);
    }
  } finally {
    await prometheus.stop();
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
