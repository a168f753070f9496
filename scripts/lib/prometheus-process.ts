// Starts a real Prometheus (Debian's package) on 127.0.0.1 with a temporary data directory,
// optionally backfilled with promtool so that query results are exact. Used by the demo and tests.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'Debian\'s Prometheus is needed: "bash scripts/test.sh" and "bash scripts/demo.sh" install it, ' +
  'or run "apt-get update && apt-get install -y --no-install-recommends prometheus"';

/** Fails loudly (never skips) when the binaries are missing. */
export function requireBinary(name: string, hint = INSTALL_HINT): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`"${name}" is not installed: ${hint}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusOptions {
  /** OpenMetrics text (ending in "# EOF") to backfill before start. */
  openMetrics?: string;
  /** prometheus.yml body; default: no scrape targets, 1 s intervals. */
  configYaml?: string;
  /** Reuse a data directory (e.g. to restart the same Prometheus). */
  dataDir?: string;
  port?: number;
}

export class PrometheusProcess {
  constructor(
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    private readonly ownsDataDir: boolean,
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** SIGTERM (or SIGKILL if it does not exit in 5 s), wait for exit, remove its data. */
  async stop({ keepData = false } = {}): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      const force = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
    if (this.ownsDataDir && !keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const DEFAULT_CONFIG = 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n';

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusProcess> {
  const prometheus = requireBinary('prometheus');
  const ownsDataDir = options.dataDir === undefined;
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kps-prom-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, options.configYaml ?? DEFAULT_CONFIG);
  if (options.openMetrics !== undefined) {
    const promtool = requireBinary('promtool');
    const input = join(dir, 'backfill.om');
    writeFileSync(input, options.openMetrics);
    execFileSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', input, dataDir], {
      stdio: 'pipe',
    });
  }
  const port = options.port ?? (await freePort());
  const child = spawn(
    prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const handle = new PrometheusProcess(url, port, dir, child, ownsDataDir);
  // Ready in 0.08-0.25 s on these machines (measured); allow 15 s on a loaded CI box.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return handle;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 50));
  }
  await handle.stop();
  throw new Error(`prometheus did not become ready within 15 s:\n${log}`);
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

/**
 * Waits until `query` returns at least one series: Prometheus applies static scrape targets in
 * ~5 s batches (measured here), so poll rather than sleep. @throws after `timeoutMs`.
 */
export async function waitForSeries(url: string, query: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { data?: { result?: unknown[] } };
    if ((body.data?.result?.length ?? 0) > 0) return;
    if (Date.now() > deadline)
      throw new Error(`prometheus returned no series for ${query} within ${timeoutMs}ms`);
    await new Promise(r => setTimeout(r, 200));
  }
}
