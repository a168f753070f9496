// Loads what `serve` needs in steps, yielding to the event loop between them, so the HTTP server
// bound first thing answers /healthz while the scaler loads (require() blocks the loop).
import type { createApp as CreateApp } from '../app';

const yieldToRequests = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** The heaviest dependencies of the serve path, each tens of ms here (bench/startup.ts). */
const STEPS: (() => Promise<unknown>)[] = [
  () => import('@grpc/grpc-js'),
  () => import('@grpc/proto-loader'),
  () => import('pino'),
  () => import('prom-client'),
  () => import('undici'),
];

export async function loadServe(): Promise<typeof CreateApp> {
  for (const step of STEPS) {
    await step();
    await yieldToRequests();
  }
  return (await import('../app')).createApp;
}
