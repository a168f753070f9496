// The self-metrics' series that exist from start-up at 0, so rate() and increase() in the shipped
// alerts see the first event instead of a series born at 1.
import { ScalerMetrics } from '../../../src/telemetry/scaler-metrics';

async function series(metrics: ScalerMetrics): Promise<string[]> {
  return (await metrics.exposition()).text.split('\n').filter(l => l.startsWith('keda_'));
}

test('counters with a fixed set of labels start at 0, before anything happened', async () => {
  const lines = await series(new ScalerMetrics());
  for (const expected of [
    'keda_prometheus_scaler_activation_transitions_total{cause="poll"} 0',
    'keda_prometheus_scaler_activation_transitions_total{cause="alert"} 0',
    'keda_prometheus_scaler_cache_requests_total{outcome="stale"} 0',
    'keda_prometheus_scaler_cache_requests_total{outcome="fallback"} 0',
    'keda_prometheus_scaler_alertmanager_webhook_requests_total{outcome="unauthorized"} 0',
    'keda_prometheus_scaler_alertmanager_webhook_requests_total{outcome="token_unreadable"} 0',
    'keda_prometheus_scaler_alertmanager_webhook_requests_total{outcome="disabled"} 0',
  ]) {
    expect(lines).toContain(expected);
  }
  // Peer forwarding is lazy: most installations have no peers.
  expect(lines.filter(l => l.includes('peer_forwards'))).toEqual([]);
});

test("a method's OK and UNAVAILABLE series exist once its instruments are bound; others when used", async () => {
  const metrics = new ScalerMetrics();
  const rpc = metrics.rpc('GetMetrics');
  const calls = (lines: string[]): string[] => lines.filter(l => l.includes('grpc_calls_total{'));
  expect(calls(await series(metrics))).toEqual([
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetrics",code="OK"} 0',
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetrics",code="UNAVAILABLE"} 0',
  ]);
  rpc.finished('UNAVAILABLE', 0.01);
  rpc.finished('INVALID_ARGUMENT', 0.01);
  expect(calls(await series(metrics))).toEqual([
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetrics",code="OK"} 0',
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetrics",code="UNAVAILABLE"} 1',
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetrics",code="INVALID_ARGUMENT"} 1',
  ]);
});
