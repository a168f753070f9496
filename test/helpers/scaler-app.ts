// A scaler app on loopback with the given sources and a gRPC client for it, the deploy/examples auth
// stanzas, and queries made distinct per call so that every call reaches the source.
import { join } from 'node:path';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { loadConfig, validateConfig } from '../../src/config/load-config';
import type { Logger } from '../../src/telemetry/logger';
import { ScalerClient, ref } from './scaler-client';

export interface RunningScaler {
  app: App;
  client: ScalerClient;
  stop(): Promise<void>;
}

/** `extra`: more configuration keys (e.g. breaker settings). */
export async function startScaler(
  sources: unknown[],
  logger: Logger,
  extra: Record<string, unknown> = {},
): Promise<RunningScaler> {
  const app = createApp(
    validateConfig({ grpcAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', sources, ...extra }),
    { logger },
  );
  const { grpcPort } = await app.start();
  const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
  return {
    app,
    client,
    stop: async () => {
      client.close();
      await app.stop();
    },
  };
}

/** The auth stanza of a deploy/examples file: what the tests send is what users copy. */
export function exampleAuth(file: string) {
  return loadConfig({ configFile: join(__dirname, '../../examples/sources', file) }).sources[0]!
    .auth!;
}

/**
 * GetMetrics on `sum(kps_test_queue_depth)` with a different `+ 0 * n` each call (no cache hit).
 * Every answer and error text is kept in `answers`, to be searched for secrets.
 */
export function distinctQueries(scaler: () => RunningScaler) {
  let n = 0;
  const answers: string[] = [];
  const metadata = (source: string, extra: Record<string, string>) => {
    n += 1;
    return { source, query: `sum(kps_test_queue_depth) + 0 * ${n}`, threshold: '1', ...extra };
  };
  return {
    answers,
    async value(source: string, extra: Record<string, string> = {}): Promise<number> {
      const res = await scaler().client.getMetrics(ref(metadata(source, extra)), '');
      answers.push(JSON.stringify(res));
      return res.metricValues[0]!.metricValueFloat;
    },
    async failure(
      source: string,
      extra: Record<string, string> = {},
    ): Promise<{ code?: number; details?: string }> {
      const err = (await scaler()
        .client.getMetrics(ref(metadata(source, extra)), '')
        .catch((e: unknown) => e)) as { code?: number; details?: string };
      answers.push(String(err.details));
      return err;
    },
  };
}
