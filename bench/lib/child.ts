// Parent side of server-child.ts: fork it, read its CPU time, stop it.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface ServerChild {
  port: number;
  /** CPU time (user + system) the child has used so far, in microseconds, and its RSS. */
  usage(): Promise<{ micros: number; rss: number }>;
  stop(): Promise<void>;
}

export async function forkServer(
  kind: 'scaler' | 'bare',
  prometheusUrl = '',
): Promise<ServerChild> {
  const child: ChildProcess = fork(join(__dirname, 'server-child.js'), [kind, prometheusUrl], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', code => reject(new Error(`${kind} server exited with ${String(code)}`)));
  });
  return {
    port,
    usage: () =>
      new Promise(resolve => {
        child.once('message', (m: { micros: number; rss: number }) => resolve(m));
        child.send({ type: 'cpu' });
      }),
    stop: () =>
      new Promise(resolve => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}
