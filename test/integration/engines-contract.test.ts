// The query contract against two real engines loaded with the same data: Prometheus and
// VictoriaMetrics single-node. Values, empty and multi-series results, scalars, bad PromQL, POST,
// namespace/queryParameters over gRPC, and query_range as `simulate` uses it.
import { defaultSource } from '../../src/config/load-config';
import { queryRange } from '../../src/prometheus/range-query';
import { reduceResult } from '../../src/core/reduce-result';
import { Source } from '../../src/sources/source';
import { createLogger } from '../../src/telemetry/logger';
import { EXPECTED } from '../helpers/fixtures';
import type { RunningScaler } from '../helpers/scaler-app';
import { startScaler } from '../helpers/scaler-app';
import { ref } from '../helpers/scaler-client';

const ENGINES = [
  ['prometheus', process.env['KPS_TEST_PROMETHEUS_URL'] ?? ''],
  ['victoriametrics', process.env['KPS_TEST_VICTORIA_METRICS_URL'] ?? ''],
] as const;
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;

let scaler: RunningScaler;

beforeAll(async () => {
  scaler = await startScaler(
    ENGINES.map(([name, url]) => ({ name, url })),
    createLogger('silent'),
  );
});

afterAll(() => scaler.stop());

describe.each(ENGINES)('%s', source => {
  const value = async (metadata: Record<string, string>): Promise<number> => {
    const res = await scaler.client.getMetrics(ref({ source, threshold: '1', ...metadata }), '');
    return res.metricValues[0]!.metricValueFloat;
  };
  const failure = (metadata: Record<string, string>) =>
    scaler.client.getMetrics(ref({ source, threshold: '1', ...metadata }), '').then(
      () => undefined,
      (e: { code?: number; details?: string }) => e,
    );

  test('an instant vector: sum and rate', async () => {
    expect(await value({ query: 'sum(kps_test_queue_depth)' })).toBe(SUM);
    expect(await value({ query: 'sum(rate(kps_test_requests_total[1m]))' })).toBeCloseTo(
      EXPECTED.requestRate,
      6,
    );
  });

  test('an empty result is 0 (ignoreNullValues default) or an error when asked', async () => {
    expect(await value({ query: 'kps_test_no_such_series' })).toBe(0);
    const err = await failure({ query: 'kps_test_no_such_series', ignoreNullValues: 'false' });
    expect(err?.code).toBe(9); // FAILED_PRECONDITION: the query ran, its answer is unusable
  });

  test('several series: an error by default, reduced with multipleSeries', async () => {
    const err = await failure({ query: 'kps_test_queue_depth' });
    expect(err?.details).toMatch(/series/);
    expect(await value({ query: 'kps_test_queue_depth', multipleSeries: 'max' })).toBe(
      EXPECTED.queueDepth.q1,
    );
  });

  test('a scalar result', async () => {
    expect(await value({ query: 'scalar(sum(kps_test_queue_depth))' })).toBe(SUM);
  });

  test('bad PromQL is INVALID_ARGUMENT', async () => {
    const err = await failure({ query: 'sum(rate(' });
    expect(err?.code).toBe(3);
  });

  test('POST gives the same answer as GET', async () => {
    expect(await value({ query: 'sum(kps_test_queue_depth) * 2', httpMethod: 'POST' })).toBe(
      2 * SUM,
    );
  });

  test('namespace and queryParameters are sent and tolerated', async () => {
    expect(
      await value({
        query: 'sum(kps_test_queue_depth) * 3',
        namespace: 'team-a',
        queryParameters: 'dedup=true,partial_response=false',
      }),
    ).toBe(3 * SUM);
  });

  test('query_range as simulate uses it', async () => {
    const url = ENGINES.find(([name]) => name === source)![1];
    const endpoint = new Source(defaultSource(source, url));
    const endS = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
    try {
      const { points, seriesCount } = await queryRange(
        endpoint,
        {
          query: 'sum(kps_test_queue_depth)',
          startS: endS - 300,
          endS,
          stepS: 60,
          timeoutMs: 5000,
          namespace: undefined,
          queryParameters: {},
          customHeaders: {},
        },
        result => reduceResult(result, { ignoreNullValues: false, multipleSeries: 'error' }),
      );
      expect(points.map(p => p.value)).toEqual([SUM, SUM, SUM, SUM, SUM, SUM]);
      expect(points[0]!.timestamp).toBe(endS - 300);
      expect(seriesCount).toBe(1);
    } finally {
      await endpoint.close();
    }
  });
});
