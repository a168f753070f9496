// Reference queries against the test Prometheus; the launcher itself lives in scripts/lib.
export {
  PrometheusProcess,
  freePort,
  handlerRequestCount,
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
