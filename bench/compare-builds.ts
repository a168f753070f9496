// Before/after on one machine in one run: this build against another build of the project (for
// example the parent commit, `npx tsc -p tsconfig.build.json --outDir .tmp/base`), scenario by
// scenario, the two alternating round by round so that a change in the machine's load falls on
// both. `node --expose-gc dist/bench/compare-builds.js <other build dir> [rounds]`.
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { backfillOpenMetrics } from '../test/helpers/fixtures';
import { startPrometheus } from '../scripts/lib/prometheus-process';
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import type { forkServer } from './lib/child';
import { measure } from './hot-path';
import type { manyStreams } from './push';
import type { ordinaryStreams } from './stream-memory';

interface Build {
  name: 'before' | 'after';
  forkServer: typeof forkServer;
  manyStreams: typeof manyStreams;
  ordinaryStreams: typeof ordinaryStreams;
}

/** The bench modules of a build directory (its `bench/` compiled next to its `src/`). */
function load(name: Build['name'], dir: string): Build {
  /* eslint-disable @typescript-eslint/no-require-imports -- a build chosen at run time */
  const child = require(join(dir, 'bench/lib/child.js')) as { forkServer: typeof forkServer };
  const push = require(join(dir, 'bench/push.js')) as { manyStreams: typeof manyStreams };
  const memory = require(join(dir, 'bench/stream-memory.js')) as {
    ordinaryStreams: typeof ordinaryStreams;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { name, ...child, ...push, ...memory };
}

const load1 = (): number => Math.round((loadavg()[0] ?? 0) * 10) / 10;

/** One round: the hot path of both builds between two bare-server runs, then memory and push. */
async function round(prometheus: PrometheusProcess, order: Build[]) {
  const hot: Record<string, number> = {};
  const bareFirst = await measure('bare', prometheus.url, 10_000);
  for (const build of order) {
    hot[build.name] = (
      await measure('scaler', prometheus.url, 10_000, build.forkServer)
    ).cpuMicrosPerCall;
  }
  const bareLast = await measure('bare', prometheus.url, 10_000);
  // The bare server's CPU per call before and after the two scaler runs, averaged.
  const bare = (bareFirst.cpuMicrosPerCall + bareLast.cpuMicrosPerCall) / 2;
  const hotLoad = load1();
  const rows: Record<string, unknown>[] = [];
  for (const build of order) {
    const memory = await build.ordinaryStreams(prometheus, 10_000, 100);
    const push = await build.manyStreams(prometheus, 10_000, 100, 1000);
    const scaler = hot[build.name] ?? NaN;
    rows.push({
      build: build.name,
      hotPathRatio: Math.round((scaler / bare) * 100) / 100,
      hotPathMicros: { bare: Math.round(bare * 10) / 10, scaler: Math.round(scaler * 10) / 10 },
      hotPathLoadAverage: hotLoad,
      streamMemoryKB: memory.perOpenStream,
      webhookToTrueMs: push.webhookToTrueMs,
      loadAverage: load1(),
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const otherDir = process.argv[2];
  if (otherDir === undefined)
    throw new Error('usage: compare-builds.js <other build dir> [rounds]');
  const rounds = Number(process.argv[3] ?? 2);
  const before = load('before', resolve(otherDir));
  const after = load('after', resolve(__dirname, '..'));
  const prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  const report: Record<string, unknown>[] = [];
  process.stderr.write(`compare: Node.js ${process.version}, ${cpus().length} cores\n`);
  try {
    for (let r = 0; r < rounds; r++) {
      const rows = await round(prometheus, r % 2 === 0 ? [before, after] : [after, before]);
      for (const row of rows) process.stderr.write(`${JSON.stringify({ round: r, ...row })}\n`);
      report.push(...rows.map(row => ({ round: r, ...row })));
    }
  } finally {
    await prometheus.stop();
  }
  process.stdout.write(
    `${JSON.stringify({ node: process.version, date: new Date().toISOString(), report }, null, 2)}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
