// The real built server (`node dist/src/main.js serve`) as a child process, with the Deployment's
// Node flags, for tests that are about the process itself: its memory limit, its survival.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../dist/src/main.js');

/** deploy/base/deployment.yaml sets NODE_OPTIONS to this. */
const DEPLOYMENT_NODE_FLAGS = ['--max-old-space-size=384'];

export interface BuiltServer {
  grpcTarget: string;
  httpUrl: string;
  /** Whether the process still runs (it may die of "Reached heap limit"). */
  alive(): boolean;
  /** Everything it wrote to stderr (a heap-limit death is reported there). */
  stderr(): string;
  /** SIGTERM, then resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** Starts `serve` with `config` (written as JSON, which is YAML) and waits for its "serving"
 * line (logged at info: keep logLevel at info or below). */
export async function startBuiltServer(
  config: Record<string, unknown>,
  nodeFlags: string[] = DEPLOYMENT_NODE_FLAGS,
): Promise<BuiltServer> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first`);
  const dir = mkdtempSync(join(tmpdir(), 'kps-built-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    JSON.stringify({ grpcAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', ...config }),
  );
  const child = spawn('node', [...nodeFlags, BIN, 'serve', '--config', file], {
    env: { PATH: process.env['PATH'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
  const ports = await new Promise<{ grpcPort: number; httpPort: number }>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`not serving after 20 s:\n${out}${err}`)),
      20_000,
    );
    const look = (): void => {
      const line = out.split('\n').find(l => l.includes('keda-prometheus-scaler serving'));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      ok(JSON.parse(line) as { grpcPort: number; httpPort: number });
    };
    child.stdout.on('data', look);
    void exited.then(code => fail(new Error(`exited with ${String(code)}:\n${out}${err}`)));
  });
  return {
    grpcTarget: `127.0.0.1:${ports.grpcPort}`,
    httpUrl: `http://127.0.0.1:${ports.httpPort}`,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => err,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
