// Parent side of server-child.ts: fork it, read its CPU time and RSS, stop it.
import { fork } from 'node:child_process';
import { join } from 'node:path';

/** The Deployment's Node flags (deploy/), plus --expose-gc so memory() can collect first. */
export const DEPLOYMENT_NODE_FLAGS = ['--max-old-space-size=384', '--expose-gc'];

export interface ServerChild {
  port: number;
  httpPort: number;
  /** CPU time (user + system) the child has used so far, in microseconds, its RSS, and the
   * longest event-loop block since the previous call (ms). */
  usage(): Promise<{ micros: number; rss: number; loopMaxMs: number }>;
  /** After a full garbage collection (when the child runs with --expose-gc): bytes. */
  memory(): Promise<{ heapUsed: number; external: number; rss: number; gcExposed: boolean }>;
  /** Whether the child is still running (it may die of "Reached heap limit"). */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function forkServer(
  kind: 'scaler' | 'bare',
  prometheusUrl = '',
  extraConfig: Record<string, unknown> = {},
  /** Node flags of the child, e.g. the Deployment's --max-old-space-size=384. */
  execArgv: string[] = [],
  /** createApp options of a `scaler` child, e.g. grpcServerOptions to compare with a default. */
  appOptions: Record<string, unknown> = {},
): Promise<ServerChild> {
  const child = fork(
    join(__dirname, 'server-child.js'),
    [kind, prometheusUrl, JSON.stringify(extraConfig), JSON.stringify(appOptions)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv },
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
    memory: () =>
      new Promise(resolve => {
        child.once(
          'message',
          (m: { heapUsed: number; external: number; rss: number; gcExposed: boolean }) =>
            resolve(m),
        );
        child.send({ type: 'memory' });
      }),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () =>
      new Promise(resolve => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}
