// Server reflection proved with a real third-party client (buf curl, Go protobuf, no schema file),
// and grpc.health.v1 liveness/readiness as kubelet's gRPC probes see them.
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { bufCurl } from '../helpers/buf-curl';
import { HealthClient } from '../helpers/health-client';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';

async function startApp(
  extra: Record<string, unknown> = {},
): Promise<{ app: App; target: string }> {
  const app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'main', url: PROM_URL }],
      ...extra,
    }),
    { logger: createLogger('silent') },
  );
  const { grpcPort } = await app.start();
  return { app, target: `127.0.0.1:${grpcPort}` };
}

describe('reflection', () => {
  let app: App;
  let target: string;
  beforeAll(async () => ({ app, target } = await startApp()));
  afterAll(() => app.stop());

  test('buf curl lists every ExternalScaler method and the health service without a schema file', async () => {
    const { stdout, code, stderr } = await bufCurl(['--list-methods', `http://${target}`]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const methods = stdout.trim().split('\n');
    for (const m of [
      'GetMetricSpec',
      'GetMetrics',
      'IsActive',
      'StreamIsActive',
      'StreamMetricSpec',
    ]) {
      expect(methods).toContain(`externalscaler.ExternalScaler/${m}`);
    }
    expect(methods).toContain('grpc.health.v1.Health/Check');
    expect(methods).toContain('grpc.health.v1.Health/Watch');
  });

  test('a reflected GetMetrics call returns the value', async () => {
    const request = {
      scaledObjectRef: {
        name: 'so',
        namespace: 'team-a',
        scalerMetadata: { query: 'sum(kps_test_queue_depth)', threshold: '10' },
      },
      metricName: '',
    };
    const { stdout, code, stderr } = await bufCurl([
      '-d',
      JSON.stringify(request),
      `http://${target}/externalscaler.ExternalScaler/GetMetrics`,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const response = JSON.parse(stdout) as {
      metricValues: { metricValue: string; metricValueFloat: number }[];
    };
    expect(response.metricValues[0]).toMatchObject({ metricValue: '50', metricValueFloat: 50 });
  });

  test('a reflected health Check answers SERVING', async () => {
    const { stdout, code } = await bufCurl([
      '-d',
      '{}',
      `http://${target}/grpc.health.v1.Health/Check`,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: 'SERVING' });
  });

  test('reflection can be switched off', async () => {
    const off = await startApp({ reflection: false });
    try {
      const { code, stderr } = await bufCurl(['--list-methods', `http://${off.target}`]);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/reflection|unimplemented/i);
    } finally {
      await off.app.stop();
    }
  });
});

describe('health', () => {
  const check = (client: HealthClient, service: string): Promise<string> => client.check(service);

  test('liveness ("") and readiness (externalscaler.ExternalScaler) SERVING, then NOT_SERVING on stop', async () => {
    const { app, target } = await startApp({ shutdown: { delay: '300ms' } });
    const client = new HealthClient(target);
    try {
      expect(await check(client, '')).toBe('SERVING');
      expect(await check(client, 'externalscaler.ExternalScaler')).toBe('SERVING');
      const stopping = app.stop();
      // During the shutdown delay the server still answers, and says it is going away.
      await new Promise(r => setTimeout(r, 100));
      expect(await check(client, '')).toBe('NOT_SERVING');
      expect(await check(client, 'externalscaler.ExternalScaler')).toBe('NOT_SERVING');
      expect(await check(client, 'keda-prometheus-scaler.data')).toBe('NOT_SERVING');
      await stopping;
    } finally {
      client.close();
    }
  });

  test('Watch sends the current status, then only changes (not every periodic sync)', async () => {
    const { app, target } = await startApp({ shutdown: { delay: '300ms' } });
    const client = new HealthClient(target);
    const seen: string[] = [];
    const stream = client.watch('externalscaler.ExternalScaler', seen);
    try {
      // Health is re-synced every second; 2.5 s of unchanged status must send nothing more.
      await new Promise(r => setTimeout(r, 2500));
      expect(seen).toEqual(['SERVING']);
      const stopping = app.stop();
      await new Promise(r => setTimeout(r, 150));
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
      stream.cancel();
      await stopping;
    } finally {
      client.close();
    }
  });

  test('readiness means "answers calls": with the only source down past maxStaleness, only the data service is NOT_SERVING', async () => {
    const { app, target } = await startApp({
      sources: [{ name: 'down', url: 'http://127.0.0.1:9' }],
      cache: { maxStaleness: '1s' },
    });
    const client = new HealthClient(target);
    const scaler = new (await import('../helpers/scaler-client')).ScalerClient(target);
    try {
      expect(await check(client, 'keda-prometheus-scaler.data')).toBe('SERVING');
      await scaler
        .getMetrics(
          { name: 'a', namespace: 'b', scalerMetadata: { query: 'up', threshold: '1' } },
          '',
        )
        .catch(() => undefined);
      await new Promise(r => setTimeout(r, 2500));
      expect(await check(client, '')).toBe('SERVING');
      expect(await check(client, 'externalscaler.ExternalScaler')).toBe('SERVING');
      expect(await check(client, 'keda-prometheus-scaler.data')).toBe('NOT_SERVING');
    } finally {
      scaler.close();
      client.close();
      await app.stop();
    }
  });
});
