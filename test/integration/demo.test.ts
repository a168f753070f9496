// The built demo as a user runs it: --help starts nothing, and its Prometheus is stopped however
// the demo ends (output piped into `head`, Ctrl-C, SIGTERM, a closed terminal).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { requireBinary } from '../helpers/prometheus';

const DEMO = resolve(__dirname, '../../dist/scripts/demo.js');

/** The PID of the Prometheus listening on `port` (the demo prints its URL first), from /proc. */
function prometheusPid(port: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (
        cmdline[0]?.endsWith('prometheus') &&
        cmdline.includes(`--web.listen-address=127.0.0.1:${port}`)
      ) {
        return Number(entry);
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
  return check();
}

/** The port from the demo's first line: "app :N (counts requests), prometheus http://127.0.0.1:P, ..." */
function portOf(firstLine: string): string {
  const port = /prometheus http:\/\/127\.0\.0\.1:(\d+)/.exec(firstLine)?.[1];
  if (port === undefined) throw new Error(`no Prometheus URL in "${firstLine}"`);
  return port;
}

beforeAll(() => requireBinary('prometheus'));

test('demo --help prints usage, exits 0 and starts nothing', () => {
  // Only node on PATH: had it tried to start Prometheus, it would fail with the install hint.
  const env = { PATH: dirname(process.execPath) };
  const run = spawnSync(process.execPath, [DEMO, '--help'], {
    encoding: 'utf8',
    env,
    timeout: 10_000,
  });
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('Usage: bash scripts/demo.sh [--help]');
  expect(run.stdout).not.toContain('prometheus http://');
  expect(run.stderr).toBe('');
  const unknown = spawnSync('node', [DEMO, '--hepl'], { encoding: 'utf8', timeout: 10_000 });
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('unknown argument "--hepl"');
});

test('demo | head -3 leaves no Prometheus behind', async () => {
  const pipeline = spawn('bash', ['-c', `node ${DEMO} | head -3`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  pipeline.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>(r => pipeline.once('exit', code => r(code)));
  expect(await waitUntil(() => out.includes('\n'), 20_000)).toBe(true);
  // The first line is printed once its Prometheus is ready; the demo may stop it again within
  // milliseconds (at its next write), so look for it by port rather than hope to catch its PID.
  const port = portOf(out.split('\n')[0] ?? '');
  expect(await exited).toBe(0);
  expect(out.trim().split('\n')).toHaveLength(3);
  // Was: the trigger printed keda-prometheus-scaler.keda:6000, not where its scaler listens.
  const grpcPort = /scaler gRPC :(\d+)/.exec(out)?.[1];
  expect(grpcPort).toBeDefined();
  expect(out.split('\n')[1]).toContain(`"scalerAddress":"127.0.0.1:${grpcPort}"`);
  // The demo notices the closed pipe at its next write (within the first scrape wait, ~5 s).
  expect(await waitUntil(() => prometheusPid(port) === undefined, 20_000)).toBe(true);
}, 60_000);

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)(
  'demo stops its Prometheus on %s and exits %i',
  async (signal, code) => {
    const demo = spawn('node', [DEMO], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    demo.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>(r => demo.once('exit', c => r(c)));
    try {
      expect(await waitUntil(() => out.includes('\n'), 20_000)).toBe(true);
      const pid = prometheusPid(portOf(out.split('\n')[0] ?? ''));
      expect(pid).toBeDefined();
      demo.kill(signal);
      expect(await exited).toBe(code);
      // The demo waits for its Prometheus to exit before it exits itself.
      expect(alive(pid as number)).toBe(false);
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  },
  60_000,
);
