// Memory: heap and RSS with 100,000 distinct cached results, keys shaped like real ones; then
// 20% more keys to show the maxEntries bound holds.
import { setMaxListeners } from 'node:events';
import { ResultCache } from '../src/cache/result-cache';
import { DEFAULTS } from '../src/config/schema';
import type { QueryResult } from '../src/prometheus/decode-response';
import { round } from './lib/load';

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export async function memory(keys: number) {
  gc();
  const before = process.memoryUsage();
  const cache = new ResultCache({ ...DEFAULTS.cache, maxEntries: keys });
  const result: QueryResult = { kind: 'vector', samples: [42] };
  const caller = { signal: new AbortController().signal, deadlineMs: Infinity };
  // One caller for a thousand concurrent gets (a gRPC call has its own): no listener warning.
  setMaxListeners(0, caller.signal);
  const fill = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(to, i + 1000); j++) {
        const key = JSON.stringify([
          'http://prometheus-k8s.monitoring.svc:9090',
          `sum(rate(http_requests_total{namespace="team-${j % 500}",deployment="service-${j}"}[1m]))`,
          null,
          [],
          [],
          15_000,
        ]);
        batch.push(
          cache.get({
            key,
            ttlMs: 15_000,
            maxStalenessMs: 60_000,
            fallbackValue: undefined,
            run: () => Promise.resolve(result),
            caller,
            tenant: 'bench',
          }),
        );
      }
      await Promise.all(batch);
    }
  };
  await fill(0, keys);
  gc();
  const full = process.memoryUsage();
  await fill(keys, Math.round(keys * 1.2));
  gc();
  const over = process.memoryUsage();
  const entriesAfterOverfill = cache.size;
  cache.close();
  const mb = (n: number): number => round(n / 1024 / 1024, 1);
  return {
    keys,
    heapUsedMB: mb(full.heapUsed - before.heapUsed),
    rssMB: mb(full.rss),
    rssGrowthMB: mb(full.rss - before.rss),
    bytesPerKey: Math.round((full.heapUsed - before.heapUsed) / keys),
    entriesAfter20PercentMore: entriesAfterOverfill,
    heapUsedAfterOverfillMB: mb(over.heapUsed - before.heapUsed),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}
