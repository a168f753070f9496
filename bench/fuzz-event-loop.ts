// The event loop's longest block while the seeded metadata fuzzer (bench/lib/metadata-fuzz.ts)
// hits a scaler: every map must be refused or answered without stalling other calls.
// Standalone: `npm run build && node dist/bench/fuzz-event-loop.js` (also part of run-all).
import { parseTrigger } from '../src/metadata/parse-trigger';
import { ScalerClient, ref } from '../scripts/lib/scaler-client';
import { forkServer } from './lib/child';
import { fuzzMaps } from './lib/metadata-fuzz';

export interface FuzzEventLoopReport {
  maps: number;
  seed: number;
  inFlight: number;
  /** Longest event-loop block in the scaler's process during the run (ms). */
  maxBlockMs: number;
  /**
   * The longest synchronous parse of one map (ms), timed in this process with nothing else
   * running: the block one hostile map can cause by itself, free of scheduling noise.
   */
  worstParseMs: number;
  /** Slowest single call (ms), client-side. */
  slowestCallMs: number;
  /** Answers by gRPC status code name. */
  codes: Record<string, number>;
  seconds: number;
}

export async function fuzzEventLoop(
  prometheusUrl: string,
  maps = 3000,
  seed = 20261123,
  inFlight = 16,
): Promise<FuzzEventLoopReport> {
  // The scaler in its own process, so the client's encoding work is not counted as its block.
  const server = await forkServer('scaler', prometheusUrl);
  const client = new ScalerClient(`127.0.0.1:${server.port}`);
  const all = fuzzMaps(seed, maps);
  let worstParseMs = 0;
  for (const metadata of all) {
    const t0 = performance.now();
    try {
      parseTrigger(metadata);
    } catch {
      // refusals are the point
    }
    worstParseMs = Math.max(worstParseMs, performance.now() - t0);
  }
  const codes: Record<string, number> = {};
  let slowest = 0;
  await server.usage(); // resets the child's event-loop maximum
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const index = next++;
      const r = ref(all[index] ?? {});
      const t0 = performance.now();
      let code = 'OK';
      try {
        if (index % 3 === 0) await client.getMetrics(r, '', { deadlineMs: 3000 });
        else if (index % 3 === 1) await client.getMetricSpec(r, { deadlineMs: 3000 });
        else await client.isActive(r, { deadlineMs: 3000 });
      } catch (e) {
        code = String((e as { code?: number }).code);
      }
      slowest = Math.max(slowest, performance.now() - t0);
      codes[code] = (codes[code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const { loopMaxMs } = await server.usage();
  const seconds = (performance.now() - started) / 1000;
  client.raw.close();
  await server.stop();
  return {
    maps,
    seed,
    inFlight,
    maxBlockMs: Math.round(loopMaxMs * 100) / 100,
    worstParseMs: Math.round(worstParseMs * 100) / 100,
    slowestCallMs: Math.round(slowest),
    codes,
    seconds: Math.round(seconds * 10) / 10,
  };
}

if (require.main === module) {
  const url = process.argv[2] ?? 'http://127.0.0.1:9';
  fuzzEventLoop(url).then(
    report => process.stdout.write(`${JSON.stringify(report, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
