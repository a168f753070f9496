// SIGTERM under load on the built binary: health goes NOT_SERVING, calls in flight finish (zero
// failures), streams end with status OK, new calls are refused afterwards, the process exits 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { freePort } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const BIN = resolve(__dirname, '../../dist/src/main.js');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';

test('SIGTERM under load: zero failed unary calls, streams end OK, exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-shutdown-'));
  const grpcPort = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `grpcAddress: 127.0.0.1:${grpcPort}`,
      'httpAddress: 127.0.0.1:0',
      'sources:',
      `  - { name: main, url: "${PROM_URL}" }`,
      'shutdown: { delay: 500ms, grace: 5s }',
    ].join('\n'),
  );
  const child = spawn('node', [BIN, 'serve', '--config', config], {
    env: { PATH: process.env['PATH'] },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('serving') && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));

    // An open StreamIsActive, as KEDA keeps for an external-push trigger.
    const stream = client.stream(
      'StreamIsActive',
      ref({ query: 'sum(kps_test_queue_depth)', threshold: '10' }),
    );
    const streamStatus = new Promise<StatusObject>(r => stream.on('status', r));
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);

    // Load: 20 workers, each query distinct per worker so some calls reach Prometheus.
    let stopIssuing = false;
    let started = 0;
    const failures: ServiceError[] = [];
    const workers = Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; !stopIssuing; i++) {
        started++;
        const metadata = {
          query: `sum(kps_test_queue_depth) + ${w * 1000 + (i % 50)}`,
          threshold: '10',
        };
        await client.getMetrics(ref(metadata), '').catch((e: ServiceError) => failures.push(e));
      }
    });
    // SIGTERM once the load is under way (at least 50 calls issued), however slow the machine.
    const loadDeadline = Date.now() + 10_000;
    while (started <= 50 && Date.now() < loadDeadline) await new Promise(r => setTimeout(r, 20));
    child.kill('SIGTERM');
    stopIssuing = true;
    await Promise.all(workers);

    expect(started).toBeGreaterThan(50);
    expect(failures.map(f => f.message)).toEqual([]);
    const ended = await streamStatus;
    expect(status[ended.code]).toBe('OK');

    expect(await exited).toBe(0);
    // After shutdown nothing answers: the next call is refused.
    const refused = await client
      .getMetricSpec(ref({ query: 'up', threshold: '1' }), { deadlineMs: 1000 })
      .catch((e: ServiceError) => e);
    expect(refused).toMatchObject({ code: status.UNAVAILABLE });
  } finally {
    client.close();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
