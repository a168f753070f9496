// What reading a query's selectors with the PromQL grammar costs the empty-result diagnosis: the
// grammar's first load (kept off `serve`'s start-up) and the longest parses within the bounds.
// Standalone: `npm run build && node dist/bench/promql-parse.js`.
import { performance } from 'node:perf_hooks';
import {
  MAX_PARENTHESES,
  MAX_QUERY_LENGTH,
  extractSelectors,
} from '../src/diagnose/promql-selectors';

/** Runs per shape; the minimum is reported (the machine is shared, its pauses only add). */
const RUNS = 5;

const nested = (open: string, depth: number): string =>
  `${open.repeat(depth)}x{a="b"}${')'.repeat(depth)}`;

/** Valid PromQL that Prometheus answers (empty when x has no series), each at a bound. */
const SHAPES: Record<string, string> = {
  tutorial: 'sum(rate(http_requests_total{namespace="shop",deployment!~"canary.*"}[2m]))',
  [`${MAX_PARENTHESES} nested sum()`]: nested('sum(', MAX_PARENTHESES),
  [`${MAX_PARENTHESES} nested abs()`]: nested('abs(', MAX_PARENTHESES),
  [`${MAX_QUERY_LENGTH} chars of unary minus`]: `${'-'.repeat(MAX_QUERY_LENGTH - 1)}x`,
  [`${MAX_QUERY_LENGTH} chars of a + b + ...`]: `x${' + x'.repeat((MAX_QUERY_LENGTH - 1) / 4)}`,
  [`${MAX_QUERY_LENGTH} chars of matchers`]: `x{${'a="b",'.repeat((MAX_QUERY_LENGTH - 3) / 6)}}`,
};
/** Past the parentheses bound, parsed by the grammar directly: what the bound keeps away. */
const UNBOUNDED: Record<string, string> = {
  '800 nested sum()': nested('sum(', 800),
  '1,600 nested sum()': nested('sum(', 1600),
};

function fastest(run: () => unknown): Promise<number> {
  return (async () => {
    let best = Infinity;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await run();
      best = Math.min(best, performance.now() - start);
    }
    return Math.round(best * 100) / 100;
  })();
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await extractSelectors('up');
  const firstLoadMs = performance.now() - t0;
  const parsesMs: Record<string, number> = {};
  for (const [name, query] of Object.entries(SHAPES))
    parsesMs[name] = await fastest(() => extractSelectors(query));
  const { parser } = await import('@prometheus-io/lezer-promql');
  for (const [name, query] of Object.entries(UNBOUNDED))
    parsesMs[`${name}, unbounded`] = await fastest(() => parser.parse(query));
  const report = {
    node: process.version,
    firstLoadMs: Math.round(firstLoadMs * 10) / 10,
    parsesMs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

void main();
