// Start-up: process start → first /readyz 200 and → first answered GetMetricSpec for `serve`, from
// the tsc output and from the esbuild bundle (the image's entry, with Node's compile cache and
// without it), against `node -e 0`, all interleaved in one run; medians of the starts. Then the
// longest event-loop block during the first query to a real Prometheus after start.
// Run alone: npm run build && node dist/bench/startup.js [rounds] (also part of `npm run bench`);
// `node dist/bench/startup.js --once bundle` starts one entry once, for whole-process timing.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, startPrometheus } from '../scripts/lib/prometheus-process';
import { ScalerClient, ref } from '../scripts/lib/scaler-client';

const DIST = join(__dirname, '..');
/** How often the port is tried while the process starts (ms): well under the figures measured. */
const POLL_MS = 5;
/** Starts per entry for the first-query block (each needs a settled server, about 1.5 s). */
const QUERY_STARTS = 5;
/** After the first GetMetricSpec, time for what `serve` loads after binding (gRPC reflection). */
const SETTLE_MS = 1000;

interface Entry {
  name: string;
  file: string;
  env: NodeJS.ProcessEnv;
}

/** What is compared: `serve` from the tsc output and from the bundle, and the bundle uncached. */
const ENTRIES: Entry[] = [
  { name: 'tsc', file: join(DIST, 'src', 'main.js'), env: {} },
  { name: 'bundle', file: join(DIST, 'bundle', 'main.js'), env: {} },
  // A fresh pod whose image carries no compile cache starts like this.
  {
    name: 'bundleNoCompileCache',
    file: join(DIST, 'bundle', 'main.js'),
    env: { NODE_DISABLE_COMPILE_CACHE: '1' },
  },
];
const PROBE = join(__dirname, 'lib', 'loop-probe.js');

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

interface Started {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
  t0: number;
  stop: () => Promise<void>;
}

async function spawnServe(entry: Entry, prometheusUrl: string, probe: boolean): Promise<Started> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(probe ? ['--require', PROBE] : []),
      entry.file,
      'serve',
      '--grpc-address',
      `127.0.0.1:${grpcPort}`,
      '--http-address',
      `127.0.0.1:${httpPort}`,
      '--prometheus-url',
      prometheusUrl,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit', ...(probe ? (['ipc'] as const) : [])],
      env: { ...process.env, ...entry.env },
    },
  );
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    child,
    grpcPort,
    httpPort,
    t0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The trigger of every call; `vector(1)` answers 1 from any Prometheus. */
const TRIGGER = ref({ query: 'vector(1)', threshold: '1' });

/** The metric name the first GetMetricSpec gives, as KEDA then asks GetMetrics for it. */
async function firstMetricSpec(client: ScalerClient): Promise<string> {
  const spec = await client.getMetricSpec(TRIGGER, { deadlineMs: 5000 });
  return spec.metricSpecs[0]?.metricName ?? '';
}

/**
 * Spawn to the first /readyz 200 (the gRPC server serves), or to the first answered
 * GetMetricSpec. Separate starts, so that polling one port does not take CPU from the other's.
 * GetMetricSpec never queries the source, so none needs to run.
 */
async function scalerStart(entry: Entry, until: 'readyz' | 'metricSpec'): Promise<number> {
  const started = await spawnServe(entry, 'http://127.0.0.1:9', false);
  const { grpcPort, httpPort, t0 } = started;
  try {
    const deadline = t0 + 10_000;
    if (until === 'readyz') {
      await untilAccepts(httpPort, deadline);
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 200) return performance.now() - t0;
        if (performance.now() > deadline) throw new Error(`/readyz not 200 by the deadline`);
        await new Promise(r => setTimeout(r, POLL_MS));
      }
    }
    await untilAccepts(grpcPort, deadline);
    const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    try {
      await firstMetricSpec(client);
    } finally {
      client.close();
    }
    return performance.now() - t0;
  } finally {
    await started.stop();
  }
}

function ask(child: ChildProcess, probe: 'reset' | 'read'): Promise<{ maxBlockMs?: number }> {
  return new Promise(resolve => {
    const onMessage = (m: { probe?: string; maxBlockMs?: number }): void => {
      if (m.probe !== probe) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ probe });
  });
}

/**
 * The longest event-loop block in `serve` while it answers its first GetMetrics, which sends the
 * first query to Prometheus (undici's first connection compiles its HTTP parser). Measured after
 * the first GetMetricSpec and SETTLE_MS, so start-up's own loading is not counted.
 */
async function firstQueryBlock(entry: Entry, prometheusUrl: string): Promise<number> {
  const started = await spawnServe(entry, prometheusUrl, true);
  try {
    await untilAccepts(started.grpcPort, started.t0 + 10_000);
    const client = new ScalerClient(`127.0.0.1:${started.grpcPort}`);
    try {
      const metricName = await firstMetricSpec(client);
      await new Promise(r => setTimeout(r, SETTLE_MS));
      await ask(started.child, 'reset');
      const answer = await client.getMetrics(TRIGGER, metricName, { deadlineMs: 5000 });
      if (answer.metricValues[0]?.metricValueFloat !== 1) {
        throw new Error(`first GetMetrics answered ${JSON.stringify(answer)}, not vector(1)`);
      }
      return (await ask(started.child, 'read')).maxBlockMs ?? NaN;
    } finally {
      client.close();
    }
  } finally {
    await started.stop();
  }
}

export async function startup(rounds: number, prometheusUrl: string): Promise<object> {
  // Warm the OS file cache, the compile caches and this process's client code before timing.
  await bareNode();
  for (const entry of ENTRIES) await scalerStart(entry, 'metricSpec');
  const node: number[] = [];
  const readyz = new Map(ENTRIES.map(e => [e.name, [] as number[]]));
  const metricSpec = new Map(ENTRIES.map(e => [e.name, [] as number[]]));
  // Interleaved, so that a noisy neighbour on the machine weighs on all of them alike.
  for (let i = 0; i < rounds; i++) {
    node.push(await bareNode());
    for (const entry of ENTRIES) {
      readyz.get(entry.name)!.push(await scalerStart(entry, 'readyz'));
      metricSpec.get(entry.name)!.push(await scalerStart(entry, 'metricSpec'));
    }
  }
  const blocks = new Map(ENTRIES.slice(0, 2).map(e => [e.name, [] as number[]]));
  for (let i = 0; i < QUERY_STARTS; i++) {
    for (const entry of ENTRIES.slice(0, 2)) {
      blocks.get(entry.name)!.push(await firstQueryBlock(entry, prometheusUrl));
    }
  }
  const nodeMs = median(node);
  const entries = Object.fromEntries(
    ENTRIES.map(({ name }) => {
      const spec = metricSpec.get(name)!;
      return [
        name,
        {
          readyzMedianMs: round(median(readyz.get(name)!)),
          firstGetMetricSpecMedianMs: round(median(spec)),
          firstGetMetricSpecMaxMs: round(Math.max(...spec)),
          ratioToNode: round(median(spec) / nodeMs),
          firstQueryBlockMs: blocks.get(name)?.map(round),
          firstQueryBlockMedianMs: blocks.has(name) ? round(median(blocks.get(name)!)) : undefined,
        },
      ];
    }),
  );
  return { rounds, queryStarts: QUERY_STARTS, nodeMedianMs: round(nodeMs), ...entries };
}

/** `--once NAME`: one start of that entry to its first GetMetricSpec, for timing whole processes. */
async function once(name: string): Promise<void> {
  const entry = ENTRIES.find(e => e.name === name);
  if (entry === undefined) throw new Error(`--once: one of ${ENTRIES.map(e => e.name).join(', ')}`);
  process.stdout.write(`${round(await scalerStart(entry, 'metricSpec'))}\n`);
}

async function report(rounds: number): Promise<void> {
  const loadBefore = loadavg();
  const prometheus = await startPrometheus();
  try {
    const figures = await startup(rounds, prometheus.url);
    // Start-up time depends on the Node.js version and on the machine's load: say both.
    const load = { loadAverageBefore: loadBefore, loadAverageAfter: loadavg() };
    const text = JSON.stringify({ node: process.version, ...load, ...figures }, null, 2);
    process.stdout.write(`${text}\n`);
  } finally {
    await prometheus.stop();
  }
}

if (require.main === module) {
  const [first, second] = process.argv.slice(2);
  (first === '--once' ? once(second ?? '') : report(Number(first ?? 15))).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
