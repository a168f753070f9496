// One scaler on loopback for an adversarial test: real app, fake Prometheus as its source,
// captured JSON log lines, a grpc-js client, timed calls and /metrics scraping.
import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { App, AppOptions } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { ScalerClient } from '../helpers/scaler-client';
export { ref } from '../helpers/scaler-client';
import { FakePrometheus } from './fake-prometheus';

export interface Scaler {
  app: App;
  prometheus: FakePrometheus;
  client: ScalerClient;
  target: string;
  httpUrl: string;
  /** Every JSON log line written so far (trace level). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Config laid over the defaults; a function when it needs the fake's URL (its own sources). */
export type ScalerConfig =
  Record<string, unknown> | ((prometheusUrl: string) => Record<string, unknown>);

export async function startScaler(
  config: ScalerConfig = {},
  options: Omit<AppOptions, 'logger'> = {},
): Promise<Scaler> {
  const prometheus = await FakePrometheus.start();
  const extra = typeof config === 'function' ? config(prometheus.url) : config;
  const logs: Record<string, unknown>[] = [];
  const sink = { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) };
  const app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'fake', url: prometheus.url, timeout: '1s' }],
      ...extra,
    }),
    { ...options, logger: createLogger('trace', sink) },
  );
  const { grpcPort, httpPort } = await app.start();
  const target = `127.0.0.1:${grpcPort}`;
  const client = new ScalerClient(target);
  return {
    app,
    prometheus,
    client,
    target,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    logs,
    stop: async () => {
      client.raw.close();
      await app.stop();
      await prometheus.close();
    },
  };
}

/** A call's outcome and how long it took (ms). */
export interface Timed {
  code: grpc.status;
  details: string;
  ms: number;
}

export async function timed(call: () => Promise<unknown>): Promise<Timed> {
  const started = performance.now();
  try {
    await call();
    return { code: grpc.status.OK, details: '', ms: performance.now() - started };
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { code: err.code, details: err.details, ms: performance.now() - started };
  }
}

/** The first status of a server stream (OK once it delivers a message), then cancels it. */
export function firstStreamStatus(stream: grpc.ClientReadableStream<unknown>): Promise<Timed> {
  const started = performance.now();
  return new Promise(resolve => {
    stream.on('data', () => {
      resolve({ code: grpc.status.OK, details: '', ms: performance.now() - started });
      stream.cancel();
    });
    stream.on('error', (e: grpc.ServiceError) =>
      resolve({ code: e.code, details: e.details, ms: performance.now() - started }),
    );
  });
}

/** GET on the scaler's HTTP port: status and body. */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** The value of one sample in the /metrics text, or 0 when the series is absent. */
export async function metricValue(scaler: Scaler, series: string): Promise<number> {
  const { body } = await httpGet(`${scaler.httpUrl}/metrics`);
  const line = body.split('\n').find(l => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Metadata of a trigger that is valid against the fake source. */
export function goodMetadata(extra: Record<string, string> = {}): Record<string, string> {
  return { query: 'sum(up)', threshold: '10', ...extra };
}
