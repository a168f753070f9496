// Reference queries against the test Prometheus; the launcher itself lives in scripts/lib.
export {
  PrometheusProcess,
  freePort,
  requireBinary,
  startPrometheus,
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

/** Prometheus's own count of requests to a handler, e.g. /api/v1/query. */
export async function handlerRequestCount(url: string, handler: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith('prometheus_http_requests_total{') &&
      line.includes(`handler="${handler}"`)
    ) {
      total += Number(line.split(' ').pop());
    }
  }
  return total;
}
