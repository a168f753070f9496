// Start-up: process start → first answered GetMetricSpec (and first /healthz 200) for the built
// `serve` command, against `node -e 0` measured in the same run; medians of several starts.
// Run alone: npm run build && node dist/bench/startup.js (also part of `npm run bench`).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../scripts/lib/prometheus-process';
import { ScalerClient, ref } from '../scripts/lib/scaler-client';

const MAIN = join(__dirname, '..', 'src', 'main.js');
/** How often the port is tried while the process starts (ms): well under the figures measured. */
const POLL_MS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (ms: number): number => Math.round(ms * 10) / 10;

function accepts(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function untilAccepts(port: number, deadline: number): Promise<void> {
  while (!(await accepts(port))) {
    if (performance.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}

/** `node -e 0`: spawn to exit. */
async function bareNode(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise(resolve => child.once('exit', resolve));
  return performance.now() - t0;
}

/**
 * The scaler: spawn to the first /healthz 200, or to the first answered GetMetricSpec. Measured in
 * separate starts, so that polling one port does not take CPU from the other's measurement.
 */
async function scalerStart(until: 'healthz' | 'metricSpec'): Promise<number> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--grpc-address',
      `127.0.0.1:${grpcPort}`,
      '--http-address',
      `127.0.0.1:${httpPort}`,
      // GetMetricSpec never queries the source, so none needs to run.
      '--prometheus-url',
      'http://127.0.0.1:9',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise(resolve => child.once('exit', resolve));
  try {
    const deadline = t0 + 10_000;
    if (until === 'healthz') {
      await untilAccepts(httpPort, deadline);
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined);
        if (res?.status === 200) return performance.now() - t0;
        await new Promise(r => setTimeout(r, POLL_MS));
      }
    }
    await untilAccepts(grpcPort, deadline);
    const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    try {
      await client.getMetricSpec(ref({ query: 'sum(up)', threshold: '1' }), { deadlineMs: 5000 });
    } finally {
      client.close();
    }
    return performance.now() - t0;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function startup(runs: number): Promise<Record<string, unknown>> {
  // Warm the OS file cache and this process's client code before timing anything.
  await bareNode();
  await scalerStart('metricSpec');
  const node: number[] = [];
  const healthz: number[] = [];
  const metricSpec: number[] = [];
  // Interleaved, so that a noisy neighbour on the machine weighs on all three alike.
  for (let i = 0; i < runs; i++) {
    node.push(await bareNode());
    healthz.push(await scalerStart('healthz'));
    metricSpec.push(await scalerStart('metricSpec'));
  }
  return {
    runs,
    nodeMedianMs: round(median(node)),
    healthzMedianMs: round(median(healthz)),
    firstGetMetricSpecMedianMs: round(median(metricSpec)),
    firstGetMetricSpecMaxMs: round(Math.max(...metricSpec)),
    ratioToNode: round(median(metricSpec) / median(node)),
  };
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 10);
  startup(runs).then(
    // Start-up time depends on the Node.js version: say which one ran.
    report =>
      process.stdout.write(`${JSON.stringify({ node: process.version, ...report }, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
