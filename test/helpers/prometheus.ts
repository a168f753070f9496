// Reference queries against the test Prometheus and its query log; the launcher itself lives in
// scripts/lib.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export {
  PrometheusProcess,
  freePort,
  requireBinary,
  startPrometheus,
  waitForSeries,
} from '../../scripts/lib/prometheus-process';

/** Asks Prometheus directly (no scaler) for an instant query: the reference value in tests. */
export async function queryPrometheus(
  url: string,
  query: string,
  timeSeconds?: number,
): Promise<unknown> {
  const params = new URLSearchParams({ query });
  if (timeSeconds !== undefined) params.set('time', String(timeSeconds));
  const res = await fetch(`${url}/api/v1/query?${params.toString()}`);
  return res.json();
}

/**
 * prometheus.yml that also writes Prometheus's query log (global.query_log_file, one JSON line per
 * query with its expression and evaluation time; a relative path is read from the config's
 * directory): what the tests count to see which queries reached the real Prometheus.
 */
export const QUERY_LOG_CONFIG =
  'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n  query_log_file: queries.log\n';

/** One instant query as Prometheus logged it. */
export interface LoggedQuery {
  query: string;
  /** The evaluation time sent (unix ms). */
  timeMs: number;
}

/**
 * The instant queries a Prometheus started with {@link QUERY_LOG_CONFIG} has logged so far.
 * Prometheus writes a query's line before it answers, so every query answered is in it.
 */
export function loggedQueries(prometheus: { dataDir: string }): LoggedQuery[] {
  let text: string;
  try {
    text = readFileSync(join(prometheus.dataDir, 'queries.log'), 'utf8');
  } catch (e) {
    // Created with the first query: none yet.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return text
    .split('\n')
    .filter(line => line !== '')
    .map(line => {
      const { params } = JSON.parse(line) as { params: { query: string; start: string } };
      return { query: params.query, timeMs: Date.parse(params.start) };
    });
}
