// Miss-path overhead: a GetMetrics that must query Prometheus, against the same query sent
// straight with undici, interleaved call by call so both see the same machine noise.
import { Pool } from 'undici';
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { forkServer } from './lib/child';
import { Channels, percentile, round } from './lib/load';

export async function missPath(prometheus: PrometheusProcess, samples: number) {
  const scaler = await forkServer('scaler', prometheus.url);
  const bare = await forkServer('bare');
  const toScaler = new Channels(`127.0.0.1:${scaler.port}`, 1);
  const toBare = new Channels(`127.0.0.1:${bare.port}`, 1);
  const pool = new Pool(prometheus.url, { connections: 1 });
  const direct: number[] = [];
  const viaScaler: number[] = [];
  const grpcOnly: number[] = [];
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = -50; i < samples; i++) {
    // A query never seen before: the scaler must ask Prometheus (no cache hit possible).
    const query = `vector(${i + 1000})`;
    const nowS = (Date.now() / 1000).toFixed(3);
    const d = await time(async () => {
      const res = await pool.request({
        path: `/api/v1/query?query=${encodeURIComponent(query)}&time=${nowS}`,
        method: 'GET',
      });
      JSON.parse(await res.body.text());
    });
    const s = await time(() =>
      toScaler.call('GetMetrics', {
        scaledObjectRef: { name: 'm', namespace: 'b', scalerMetadata: { query, threshold: '1' } },
        metricName: '',
      }),
    );
    const g = await time(() =>
      toBare.call('GetMetrics', {
        scaledObjectRef: { name: 'm', namespace: 'b', scalerMetadata: { query } },
        metricName: '',
      }),
    );
    if (i >= 0) {
      direct.push(d);
      viaScaler.push(s);
      grpcOnly.push(g);
    }
  }
  await pool.close();
  toScaler.close();
  toBare.close();
  await scaler.stop();
  await bare.stop();
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
  };
  const s = stats(viaScaler);
  const d = stats(direct);
  const g = stats(grpcOnly);
  return {
    unit: 'milliseconds',
    samples,
    directUndici: d,
    scalerGetMetrics: s,
    bareGrpcRoundTrip: g,
    medianOverhead: round(s.p50 - d.p50),
    medianOverheadBeyondGrpcRoundTrip: round(s.p50 - d.p50 - g.p50),
    goalMedianOverhead: 0.5,
  };
}
