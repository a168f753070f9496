// Starts a real VictoriaMetrics single-node (Debian's victoria-metrics package) on 127.0.0.1 with a
// temporary data directory and imports the same OpenMetrics test data Prometheus is backfilled with.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusProcess, freePort, requireBinary } from './prometheus-process';

const INSTALL_HINT =
  'Debian\'s VictoriaMetrics is needed: "bash scripts/install-deps.sh" installs it, or run ' +
  '"apt-get update && apt-get install -y --no-install-recommends victoria-metrics"';

/**
 * OpenMetrics (timestamps in seconds, `# EOF`) → Prometheus text exposition (timestamps in
 * milliseconds), the format /api/v1/import/prometheus reads.
 */
function openMetricsToPrometheusText(openMetrics: string): string {
  return openMetrics
    .split('\n')
    .filter(line => line !== '# EOF' && !line.startsWith('#') && line !== '')
    .map(line => {
      const at = line.lastIndexOf(' ');
      return `${line.slice(0, at)} ${Math.round(Number(line.slice(at + 1)) * 1000)}`;
    })
    .join('\n');
}

/** Started, data imported and flushed so that queries see it. */
export async function startVictoriaMetrics(openMetrics: string): Promise<PrometheusProcess> {
  const binary = requireBinary('victoria-metrics', INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'kps-vm-'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      // The test data spans hours around now; keep it all.
      '-retentionPeriod=100y',
      // Answer with the newest samples at once (default: hide the last 30 s).
      '-search.latencyOffset=0s',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const handle = new PrometheusProcess(url, port, dir, child, true);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited early:\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) {
        const res = await fetch(`${url}/api/v1/import/prometheus`, {
          method: 'POST',
          body: openMetricsToPrometheusText(openMetrics),
        });
        if (!res.ok) throw new Error(`import failed: HTTP ${res.status} ${await res.text()}`);
        await fetch(`${url}/internal/force_flush`);
        return handle;
      }
    } catch (e) {
      if (String(e).includes('import failed')) {
        await handle.stop();
        throw e;
      }
    }
    await new Promise(r => setTimeout(r, 50));
  }
  await handle.stop();
  throw new Error(`victoria-metrics did not become ready within 15 s:\n${log}`);
}
