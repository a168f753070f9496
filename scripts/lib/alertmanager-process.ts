// Starts a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1, gossip off,
// routing every alert at once to one webhook. Used by the push tests and benchmark.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from './prometheus-process';

export interface AlertmanagerProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `webhookUrl` gets Alertmanager's version-4 payload with `Authorization: Bearer <token>`. */
export async function startAlertmanager(
  webhookUrl: string,
  token: string,
): Promise<AlertmanagerProcess> {
  const binary = requireBinary(
    'prometheus-alertmanager',
    'apt-get install -y --no-install-recommends prometheus-alertmanager (scripts/install-deps.sh does)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'kps-am-'));
  writeFileSync(join(dir, 'token'), token);
  // group_wait 0s: send a new alert group at once (measured here: 0.65-1.45 s from gauge change to
  // webhook).
  writeFileSync(
    join(dir, 'am.yml'),
    [
      'route:',
      '  receiver: scaler',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: scaler',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      `            credentials_file: ${join(dir, 'token')}`,
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited early:\n${log}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, port, stop };
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`alertmanager did not become ready within 15 s:\n${log}`);
}
