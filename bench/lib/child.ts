// Parent side of server-child.ts: fork it, read its CPU time and RSS, stop it.
import { fork } from 'node:child_process';
import { join } from 'node:path';

export interface ServerChild {
  port: number;
  httpPort: number;
  /** CPU time (user + system) the child has used so far, in microseconds, its RSS, and the
   * longest event-loop block since the previous call (ms). */
  usage(): Promise<{ micros: number; rss: number; loopMaxMs: number }>;
  stop(): Promise<void>;
}

export async function forkServer(
  kind: 'scaler' | 'bare',
  prometheusUrl = '',
  extraConfig: Record<string, unknown> = {},
): Promise<ServerChild> {
  const child = fork(
    join(__dirname, 'server-child.js'),
    [kind, prometheusUrl, JSON.stringify(extraConfig)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const ready = await new Promise<{ port: number; httpPort: number }>((resolve, reject) => {
    child.once('message', (m: { port: number; httpPort: number }) => resolve(m));
    child.once('exit', code => reject(new Error(`${kind} server exited with ${String(code)}`)));
  });
  return {
    ...ready,
    usage: () =>
      new Promise(resolve => {
        child.once('message', (m: { micros: number; rss: number; loopMaxMs: number }) =>
          resolve(m),
        );
        child.send({ type: 'cpu' });
      }),
    stop: () =>
      new Promise(resolve => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}
