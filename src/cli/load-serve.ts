// Loads what `serve` needs in steps, yielding to the event loop between them, so the HTTP server
// bound first thing answers /healthz while the scaler loads (require() blocks the loop).
import type { createApp as CreateApp } from '../app';

const yieldToRequests = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/**
 * The serve path's parts in steps, each pulling in one heavy package (tens of ms here,
 * bench/startup.ts): grpc-js and the proto loader, undici, pino, prom-client.
 */
const STEPS: (() => Promise<unknown>)[] = [
  () => import('../scaler/service'),
  () => import('../prometheus/connection-pool'),
  () => import('../telemetry/logger'),
  () => import('../telemetry/scaler-metrics'),
];

export async function loadServe(): Promise<typeof CreateApp> {
  for (const step of STEPS) {
    await step();
    await yieldToRequests();
  }
  return (await import('../app')).createApp;
}
