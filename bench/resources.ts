// Resources under hostile input: heap and RSS after 10,000 distinct 20 kB queries answered through
// the resolver, cache and query client, after 400 distinct 1 MB invalid metadata maps, and after
// 4,000 distinct 60 kB invalid maps (under the metadata size bounds, so they reach the memo); each
// scenario in a fresh process, at the default byte budgets and with the byte bounds lifted.
import { fork } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCore } from '../src/app';
import { validateConfig } from '../src/config/load-config';
import { createLogger } from '../src/telemetry/logger';
import { NoopMetrics } from '../src/telemetry/metrics';
import { round } from './lib/load';

type Budget = 'default' | 'unbounded';
type Scenario = 'queries' | 'invalidMaps' | 'invalidMaps60k';

const MB = 1024 * 1024;
const MAX_OLD_SPACE_MB = 384;
const mb = (n: number): number => round(n / MB, 1);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** A distinct PromQL expression of about 20 kB (a long generated query). */
const longQuery = (i: number): string => `sum(up{job="j${i}"}) + ${'0 + '.repeat(5000)}0`;

/** One scenario in this process; prints its figures as JSON. */
async function run(scenario: Scenario, budget: Budget): Promise<Record<string, unknown>> {
  const prometheus = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] },
        }),
      ),
    );
  });
  await new Promise<void>(resolve => prometheus.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  const lifted = {
    maxBytes: Number.MAX_SAFE_INTEGER,
    triggerMemoMaxBytes: Number.MAX_SAFE_INTEGER,
  };
  const config = validateConfig({
    sources: [{ name: 'bench', url, maxConcurrentQueries: 16 }],
    cache: budget === 'unbounded' ? lifted : {},
  });
  const core = createCore(config, createLogger('silent'), new NoopMetrics());
  const ctx = { signal: new AbortController().signal, deadlineMs: Infinity };
  // One caller for 50 concurrent calls (a gRPC call has its own): no listener warning.
  setMaxListeners(0, ctx.signal);

  gc();
  const before = process.memoryUsage();
  let refused = 0;
  /** Calls that got an error (a query timed out while the collector ran, then the breaker). */
  let failed = 0;
  if (scenario === 'queries') {
    // 50 at a time, POST (a 20 kB query does not fit in a GET URL that Node's server accepts).
    for (let i = 0; i < 10_000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const trigger = core.resolver.resolve(
            {
              query: longQuery(i + j),
              threshold: '1',
              httpMethod: 'POST',
            },
            'bench',
          );
          await core.evaluator.evaluate(trigger, ctx, 'bench').catch(() => failed++);
        }),
      );
    }
  } else {
    const [count, value] =
      scenario === 'invalidMaps' ? [400, 'x'.repeat(MB)] : [4000, 'x'.repeat(60_000)];
    for (let i = 0; i < count; i++) {
      try {
        // No threshold: invalid. A distinct query each time.
        core.resolver.resolve({ query: `${i}${value}` }, 'bench');
      } catch {
        refused++;
      }
    }
  }
  gc();
  const after = process.memoryUsage();
  const budgetBytes = config.cache.maxBytes + config.cache.triggerMemoMaxBytes;
  const figures = {
    scenario,
    budget,
    heapGrowthMB: mb(after.heapUsed - before.heapUsed),
    rssMB: mb(after.rss),
    rssGrowthMB: mb(after.rss - before.rss),
    heapTotalMB: mb(after.heapTotal),
    externalMB: mb(after.external),
    cacheEntries: core.cache.size,
    cacheEstimateMB: mb(core.cache.bytes),
    memoEntries: core.resolver.size,
    memoEstimateMB: mb(core.resolver.bytes),
    refused,
    failed,
    budgetMB: budget === 'default' ? mb(budgetBytes) : 'none',
    heapWithinBudget: after.heapUsed - before.heapUsed <= budgetBytes,
  };
  core.cache.close();
  await core.sources.close();
  await new Promise(resolve => prometheus.close(resolve));
  return figures;
}

/** Every scenario at both budgets, each in a fresh process (RSS does not shrink after a run). */
export async function resources(): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const scenario of ['queries', 'invalidMaps', 'invalidMaps60k'] as const) {
    for (const budget of ['default', 'unbounded'] as const) {
      out.push(
        await new Promise((resolve, reject) => {
          const child = fork(__filename, [scenario, budget], {
            // The old-space limit a pod with the Deployment's 512 MiB limit would set, leaving
            // room for the young generation, code and buffers; so the collector works under the
            // same pressure as there instead of growing into the host's memory.
            execArgv: ['--expose-gc', `--max-old-space-size=${MAX_OLD_SPACE_MB}`],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          child.once('message', m => resolve(m as Record<string, unknown>));
          child.once('exit', (code, signal) => {
            if (code === 0) return;
            // With the bounds lifted, running out of heap is the result that shows why they exist.
            if (budget === 'unbounded') {
              resolve({ scenario, budget, died: `exit ${code ?? signal}: out of heap` });
            } else reject(new Error(`resources child exited with ${code ?? signal}`));
          });
        }),
      );
    }
  }
  return out;
}

if (require.main === module) {
  const [scenario, budget] = process.argv.slice(2) as [Scenario | undefined, Budget | undefined];
  if (scenario !== undefined && budget !== undefined) {
    // A child of resources(): one scenario, figures to the parent.
    void run(scenario, budget).then(figures => process.send?.(figures, () => process.exit(0)));
  } else {
    void resources().then(all => process.stdout.write(`${JSON.stringify(all, null, 2)}\n`));
  }
}
