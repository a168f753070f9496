// The promise behind the shipped probes: with every source down past maxStaleness, the pod stays
// ready (so it stays in the headless Service's DNS), GetMetricSpec still answers at the same
// address, and GetMetrics answers UNAVAILABLE or fallbackValue, so KEDA's fallback can count
// failures (KEDA engages fallback only on metric errors, never on GetMetricSpec's: kedacore/keda
// #8056). The probes and configuration come from deploy/ as kubectl kustomize renders them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { mergeConfig } from '../../src/config/merge-config';
import { createLogger } from '../../src/telemetry/logger';
import { HealthClient } from '../helpers/health-client';
import { freePort, requireBinary } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const DEPLOY = join(__dirname, '../../deploy');

type Probe = { grpc?: { port: number; service: string }; httpGet?: { path: string; port: string } };
type Rendered = { readiness: Probe; config: Record<string, unknown> };

/** The scaler container's readiness probe and configuration, as kustomize renders `dir`. */
function rendered(dir: string): Rendered {
  const kubectl = requireBinary('kubectl', 'install kubectl with kustomize v5');
  const out = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${out.stderr}`);
  const docs = parseAllDocuments(out.stdout).map(d => d.toJSON() as Record<string, unknown>);
  const deployment = docs.find(d => d['kind'] === 'Deployment') as {
    spec: { template: { spec: { containers: { readinessProbe: Probe }[] } } };
  };
  const configMap = docs.find(d => d['kind'] === 'ConfigMap') as { data: Record<string, string> };
  return {
    readiness: deployment.spec.template.spec.containers[0]!.readinessProbe,
    // The files the Deployment's SCALER_CONFIG lists, merged as the server merges them.
    config: mergeConfig(
      parseYaml(configMap.data['config.yaml'] ?? ''),
      parseYaml(configMap.data['source.yaml'] ?? ''),
    ) as Record<string, unknown>,
  };
}

const base = rendered(join(DEPLOY, 'base'));
// The mtls component probes over HTTP; only the probe is taken from it (TLS needs certificates).
const MTLS_OVERLAY = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [base]
components: [components/mtls]
`;

let app: App;
let client: ScalerClient;
let health: HealthClient;
let httpBase: string;

beforeAll(async () => {
  const deadPort = await freePort(); // closed again: every query is refused
  const config = base.config as { sources: Record<string, unknown>[] };
  app = createApp(
    validateConfig({
      ...config,
      // Loopback ports instead of the pod's 0.0.0.0:6000 / :8080.
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: config.sources.map(s => ({ ...s, url: `http://127.0.0.1:${deadPort}` })),
      cache: { maxStaleness: '1s' },
      shutdown: { delay: '0s', grace: '1s' },
    }),
    { logger: createLogger('silent') },
  );
  const { grpcPort, httpPort } = await app.start();
  client = new ScalerClient(`127.0.0.1:${grpcPort}`);
  health = new HealthClient(`127.0.0.1:${grpcPort}`);
  httpBase = `http://127.0.0.1:${httpPort}`;
  // A first failing call, then past maxStaleness (1 s) plus a health sync (1 s).
  await client.getMetrics(ref({ query: 'up', threshold: '1' }), '').catch(() => undefined);
  await new Promise(r => setTimeout(r, 2500));
});

afterAll(async () => {
  health.close();
  client.close();
  await app.stop();
});

const metadata = { query: 'sum(rate(http_requests_total[1m]))', threshold: '100' };

test("the base Deployment's readiness probe is the gRPC service externalscaler.ExternalScaler", () => {
  expect(base.readiness.grpc).toEqual({ port: 6000, service: 'externalscaler.ExternalScaler' });
});

test('all sources down past maxStaleness: the readiness probe still says SERVING', async () => {
  expect(await health.check(base.readiness.grpc!.service)).toBe('SERVING');
  // Freshness is visible, under its own name and path, for dashboards and humans.
  expect(await health.check('keda-prometheus-scaler.data')).toBe('NOT_SERVING');
  expect((await fetch(`${httpBase}/healthz/data`)).status).toBe(503);
});

test("the mtls component's HTTP readiness probe also says ready", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-readiness-'));
  try {
    symlinkSync(join(DEPLOY, 'base'), join(dir, 'base'));
    symlinkSync(join(DEPLOY, 'components'), join(dir, 'components'));
    writeFileSync(join(dir, 'kustomization.yaml'), MTLS_OVERLAY);
    const { readiness } = rendered(dir);
    expect(readiness.httpGet?.path).toBe('/readyz');
    expect((await fetch(`${httpBase}${readiness.httpGet!.path}`)).status).toBe(200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GetMetricSpec answers at the same address, as KEDA needs for its fallback', async () => {
  const spec = await client.getMetricSpec(ref(metadata));
  expect(spec.metricSpecs).toHaveLength(1);
  expect(spec.metricSpecs[0]!.targetSizeFloat).toBe(100);
});

test('GetMetrics answers UNAVAILABLE, which KEDA counts towards fallback', async () => {
  const err = await client.getMetrics(ref(metadata), '').then(
    () => undefined,
    (e: ServiceError) => e,
  );
  expect(err && status[err.code]).toBe('UNAVAILABLE');
});

test('GetMetrics answers fallbackValue when the trigger sets one', async () => {
  const answer = await client.getMetrics(ref({ ...metadata, fallbackValue: '7' }), '');
  expect(answer.metricValues[0]!.metricValueFloat).toBe(7);
});
