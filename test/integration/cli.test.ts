// The built `keda-prometheus-scaler` binary as an operator runs it: help, bad configuration,
// serve until SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const BIN = resolve(__dirname, '../../dist/src/main.js');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
let dir: string;
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kps-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Only the variables the test sets: no SCALER_* leaks in from the developer's shell. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  ...extra,
});

test('--help documents every flag and its environment variable', () => {
  const run = spawnSync('node', [BIN, 'serve', '--help'], { encoding: 'utf8', env: cleanEnv() });
  expect(run.status).toBe(0);
  for (const text of [
    '--config',
    '--grpc-address',
    '--http-address',
    '--prometheus-url',
    'SCALER_CONFIG',
    'SCALER_PROMETHEUS_URL',
    'SCALER_LOG_LEVEL',
  ]) {
    expect(run.stdout).toContain(text);
  }
});

test('an invalid configuration exits 2 and lists every problem', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    [
      'grpcAdress: 0.0.0.0:6000',
      'sources:',
      '  - name: Prod',
      '    url: ftp://prometheus',
      '    timeout: soon',
      '  - url: http://x:9090',
    ].join('\n'),
  );
  const run = spawnSync('node', [BIN, 'serve', '--config', file], {
    encoding: 'utf8',
    env: cleanEnv(),
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/grpcAdress: unknown key \(did you mean "grpcAddress"\?\)/);
  expect(run.stderr).toMatch(/sources\[0\]\.name: must be lower-case/);
  expect(run.stderr).toMatch(/sources\[0\]\.url: must be an http/);
  expect(run.stderr).toMatch(/sources\[0\]\.timeout: must be a duration/);
  expect(run.stderr).toMatch(/sources\[1\]\.name: is required/);
});

test('an unknown flag exits 2 with the closest flag and where the help is', () => {
  for (const [command, flag, guess] of [
    ['serve', '--grpc-adress', '--grpc-address'],
    ['check', '--prometheus-ur', '--prometheus-url'],
    ['simulate', '--scaledobjet', '--scaledobject'],
  ] as const) {
    const run = spawnSync('node', [BIN, command, flag, 'x'], { encoding: 'utf8', env: cleanEnv() });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `unknown flag ${flag} (did you mean ${guess}?)\nrun "keda-prometheus-scaler ${command} --help" for the flags\n`,
    );
  }
});

test('an unknown command gets the closest command', () => {
  const run = spawnSync('node', [BIN, 'chek'], { encoding: 'utf8', env: cleanEnv() });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown command "chek" (did you mean "check"?)');
});

test("--version and version print package.json's version", () => {
  for (const args of [['--version'], ['version']]) {
    const run = spawnSync('node', [BIN, ...args], { encoding: 'utf8', env: cleanEnv() });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${PACKAGE_VERSION}\n`);
  }
});

test('every command lists its flags under --help', () => {
  for (const [command, flags] of [
    [
      'check',
      ['--scaledobject', '--name', '--metadata', '--replicas', '--allow-empty', '--output'],
    ],
    ['simulate', ['--scaledobject', '--name', '--series', '--from', '--to', '--step', '--svg']],
    ['serve', ['--config', '--log-level']],
  ] as const) {
    const run = spawnSync('node', [BIN, command, '--help'], { encoding: 'utf8', env: cleanEnv() });
    expect(run.status).toBe(0);
    for (const flag of flags) expect(run.stdout).toContain(flag);
  }
});

// Was: `help check` printed the general help.
test("help COMMAND prints that command's help, as COMMAND --help does", () => {
  for (const command of ['check', 'simulate', 'serve']) {
    const viaHelp = spawnSync('node', [BIN, 'help', command], {
      encoding: 'utf8',
      env: cleanEnv(),
    });
    const viaFlag = spawnSync('node', [BIN, command, '--help'], {
      encoding: 'utf8',
      env: cleanEnv(),
    });
    expect(viaHelp.status).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  }
  const check = spawnSync('node', [BIN, 'help', 'check'], { encoding: 'utf8', env: cleanEnv() });
  expect(check.stdout).toContain('--allow-empty');
});

// Was: a port in use printed grpc-js's raw "E No address added out of total 1 resolved"
// before our message.
test.each([
  ['--grpc-address', '--http-address'],
  ['--http-address', '--grpc-address'],
])('a port in use (%s) is one clear line and exit 1', async (busyFlag, otherFlag) => {
  const blocker = createServer();
  await new Promise<void>(r => blocker.listen(0, '127.0.0.1', r));
  const busy = `127.0.0.1:${(blocker.address() as AddressInfo).port}`;
  try {
    const run = spawnSync(
      'node',
      [
        BIN,
        'serve',
        '--prometheus-url',
        'http://127.0.0.1:9',
        busyFlag,
        busy,
        otherFlag,
        '127.0.0.1:0',
      ],
      { encoding: 'utf8', env: cleanEnv(), timeout: 20_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `cannot listen on ${busy} (${busyFlag}): the port is already in use by another process; stop it, or choose another port\n`,
    );
  } finally {
    blocker.close();
  }
});

test('a bad flag value is named by the flag or variable that was set, not the config key', () => {
  const flag = spawnSync(
    'node',
    [BIN, 'serve', '--log-level', 'loud', '--prometheus-url', PROM_URL],
    {
      encoding: 'utf8',
      env: cleanEnv(),
    },
  );
  expect(flag.status).toBe(2);
  expect(flag.stderr).toContain('  - --log-level: must be one of trace, debug');
  expect(flag.stderr).not.toContain('logLevel:');
  const variable = spawnSync('node', [BIN, 'serve', '--prometheus-url', PROM_URL], {
    encoding: 'utf8',
    env: cleanEnv({ SCALER_LOG_LEVEL: 'loud' }),
  });
  expect(variable.stderr).toContain('  - SCALER_LOG_LEVEL: must be one of trace, debug');
});

test('serve from SCALER_* variables answers KEDA and exits 0 on SIGTERM', async () => {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const child = spawn('node', [BIN, 'serve'], {
    env: cleanEnv({
      SCALER_PROMETHEUS_URL: PROM_URL,
      SCALER_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      SCALER_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('serving') && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));
    expect(out).toContain('serving');
    const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    const res = await client.getMetrics(
      ref({ query: 'sum(kps_test_queue_depth)', threshold: '10' }),
      '',
    );
    expect(res.metricValues[0]!.metricValueFloat).toBe(50);
    client.close();
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toContain(
      `keda_prometheus_scaler_build_info{version="${PACKAGE_VERSION}",node="${process.versions.node}"} 1`,
    );
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  const lines = out
    .trim()
    .split('\n')
    .map(l => JSON.parse(l) as { msg: string; version?: string });
  expect(lines.map(l => l.msg)).toContain('keda-prometheus-scaler stopped');
  expect(lines.find(l => l.msg === 'keda-prometheus-scaler serving')?.version).toBe(
    PACKAGE_VERSION,
  );
});
