// The esbuild bundle the image runs (dist/bundle/main.js, scripts/bundle.ts): `serve` from a
// configuration file answers a real grpc-js client, /readyz and reflection, without loading the
// other commands or a cloud SDK; the other commands still run through it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bufCurl } from '../helpers/buf-curl';
import { freePort } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const BUNDLE = resolve(__dirname, '../../dist/bundle/main.js');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kps-bundle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** NODE_DEBUG=module: Node writes every module it loads to stderr (`load "<path>"`). */
const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], NODE_DEBUG: 'module' });

/** The files and packages a start of `serve` must not read. */
const NOT_FOR_SERVE = [
  'check-command.js',
  'simulate-command.js',
  'migrate-command.js',
  'node_modules/@azure/identity',
  'node_modules/@aws-sdk',
  'node_modules/google-auth-library',
];

async function until200(url: string, deadline: number): Promise<void> {
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    await res?.arrayBuffer();
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200`);
    await new Promise(r => setTimeout(r, 50));
  }
}

test('serve from the bundle answers GetMetricSpec, GetMetrics, /readyz and reflection', async () => {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `grpcAddress: 127.0.0.1:${grpcPort}`,
      `httpAddress: 127.0.0.1:${httpPort}`,
      'sources:',
      '  - name: main',
      `    url: ${PROM_URL}`,
    ].join('\n'),
  );
  const child = spawn('node', [BUNDLE, 'serve', '--config', config], { env: env() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
  const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
  try {
    await until200(`http://127.0.0.1:${httpPort}/readyz`, Date.now() + 20_000);
    // vector(42) is computed by the real Prometheus: the value proves the query went out.
    const trigger = ref({ query: 'vector(42)', threshold: '10' });
    const spec = await client.getMetricSpec(trigger, { deadlineMs: 5000 });
    expect(spec.metricSpecs).toHaveLength(1);
    expect(spec.metricSpecs[0]?.targetSizeFloat).toBe(10);
    const metricName = spec.metricSpecs[0]?.metricName ?? '';
    const metrics = await client.getMetrics(trigger, metricName, { deadlineMs: 5000 });
    expect(metrics.metricValues[0]?.metricValueFloat).toBe(42);
    // Reflection reads @grpc/reflection's own .proto files, whose path the bundle rewrites.
    const listed = await bufCurl(['--list-methods', `http://127.0.0.1:${grpcPort}`]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('externalscaler.ExternalScaler/GetMetricSpec');
  } finally {
    client.close();
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  const loaded = [...stderr.matchAll(/load "([^"]+)"/g)].map(m => m[1] ?? '');
  expect(loaded).toContain(resolve(BUNDLE, '..', 'cli.js'));
  for (const part of NOT_FOR_SERVE) {
    expect([part, loaded.filter(path => path.includes(part))]).toEqual([part, []]);
  }
});

test('check, simulate and migrate run through the bundle, each from its own file', () => {
  for (const [command, flag] of [
    ['check', '--allow-empty'],
    ['simulate', '--series'],
    ['migrate', '--config-out'],
  ] as const) {
    const run = spawnSync('node', [BUNDLE, command, '--help'], { encoding: 'utf8', env: env() });
    expect([command, run.status]).toEqual([command, 0]);
    expect(run.stdout).toContain(flag);
    expect(run.stderr).toContain(`load "${resolve(BUNDLE, '..', `${command}-command.js`)}"`);
  }
});

test('a bad flag exits 2 through the bundle, as through the tsc output', () => {
  const run = spawnSync('node', [BUNDLE, 'serve', '--grpc-adress', 'x'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] },
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown flag --grpc-adress (did you mean --grpc-address?)');
});
