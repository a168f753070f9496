// The server's debug diagnosis: once per query that keeps returning nothing for a minute.
import { EmptyResultWatch } from '../../../src/diagnose/empty-watch';
import type { SourceEndpoint } from '../../../src/prometheus/source-endpoint';
import { createLogger } from '../../../src/telemetry/logger';

const SOURCE = { name: 'prom' } as SourceEndpoint;
const EMPTY = { kind: 'vector', samples: [] } as const;
const ONE = { kind: 'vector', samples: [1] } as const;

test('diagnosed once, after a minute of empty results, and a value resets the minute', async () => {
  let now = 0;
  const diagnosed: string[] = [];
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const watch = new EmptyResultWatch({
    logger,
    now: () => now,
    diagnose: query => {
      diagnosed.push(query);
      return Promise.resolve([{ kind: 'unknown_metric', message: 'metric x has no series' }]);
    },
  });
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  now = 30_000;
  watch.observe(SOURCE, 'm', 'x', ONE); // a value: the minute starts again
  now = 40_000;
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  now = 90_000;
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  expect(diagnosed).toEqual([]);
  now = 100_000;
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  now = 500_000;
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  watch.observe(SOURCE, 'm', 'x', EMPTY);
  await new Promise(r => setImmediate(r));
  expect(diagnosed).toEqual(['x']);
  const line = JSON.parse(logs.find(l => l.includes('keeps returning nothing')) ?? '{}') as {
    level: number;
    query: string;
    findings: unknown[];
  };
  expect(line).toMatchObject({ level: 20, query: 'x', source: 'prom', result: 'no series' });
  expect(line.findings).toHaveLength(1);
});
