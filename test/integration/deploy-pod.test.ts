// deploy/ run as shipped: every kustomize variant is rendered, its pod's files are laid out as the
// kubelet would (each ConfigMap key a file, each Secret key a file, cert-manager's Secrets issued
// with real certificates, an absent optional Secret an empty directory), and the real built
// `serve` is started on them with the container's own args and env until its readiness probe
// answers. Readiness means "answers calls" and needs no Prometheus (kedacore/keda #8056), so the
// shipped in-cluster source URL is kept as is; the documented source override, pointed at the
// test Prometheus, then proves a pod answers KEDA's calls with real values, over mTLS too.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import { makeCa, makeLeaf } from '../helpers/certificates';
import { HealthClient } from '../helpers/health-client';
import type { Component } from '../helpers/kustomize';
import { renderOverlay } from '../helpers/kustomize';
import type { PodView, Probe } from '../helpers/pod-view';
import { layOut, podViewOf } from '../helpers/pod-view';
import { freePort } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

// What the image runs (Dockerfile ENTRYPOINT): the esbuild bundle, built by the integration setup.
const BIN = resolve(__dirname, '../../dist/bundle/main.js');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
/** How long a pod may take from start to a ready probe (ms); the scaler needs well under 2 s. */
const READY_WITHIN_MS = 20_000;

let certs: string;
beforeAll(() => {
  // One CA for cert-manager's Issuer; its leaves are what the Certificates would get.
  certs = mkdtempSync(join(tmpdir(), 'kps-pod-certs-'));
  makeCa(certs);
  makeLeaf(certs, 'server', 'keda-prometheus-scaler.keda.svc');
  makeLeaf(certs, 'payments', 'payments-api', 'ca', true);
});
afterAll(() => rmSync(certs, { recursive: true, force: true }));

interface Pod {
  process: ChildProcess;
  grpcTarget: string;
  httpUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

function httpCall(
  url: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json' } }, res => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts the built `serve` with the container's args and env. Only the listen addresses are
 * moved from 0.0.0.0:6000/8080 to free loopback ports (SCALER_* variables win over the file).
 */
async function startPod(env: Record<string, string>, args: string[]): Promise<Pod> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env['PATH'],
      ...env,
      SCALER_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      SCALER_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  return {
    process: child,
    grpcTarget: `127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls the container's own readiness probe until it passes; fails if the process exits. */
async function untilReady(pod: Pod, probe: Probe): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  const health = new HealthClient(pod.grpcTarget);
  try {
    for (;;) {
      if (pod.process.exitCode !== null) {
        throw new Error(`serve exited ${pod.process.exitCode}:\n${pod.output()}`);
      }
      const ready = await (
        probe.httpGet !== undefined
          ? httpCall(`${pod.httpUrl}${probe.httpGet.path}`).then(r => r.status === 200)
          : health.check(probe.grpc!.service).then(s => s === 'SERVING')
      ).catch(() => false);
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(`not ready in ${READY_WITHIN_MS}ms:\n${pod.output()}`);
      await new Promise(r => setTimeout(r, 100));
    }
  } finally {
    health.close();
  }
}

/** GetMetrics over the pod's gRPC port, with mTLS when `client` names a certificate. */
async function getMetrics(pod: Pod, metadata: Record<string, string>, client?: string) {
  if (client === undefined) {
    const plain = new ScalerClient(pod.grpcTarget);
    try {
      return await plain.getMetrics(ref(metadata), '');
    } finally {
      plain.close();
    }
  }
  const { clientConstructor } = loadExternalScalerPackage();
  const read = (name: string) => readFileSync(join(certs, name));
  const stub = new clientConstructor(
    pod.grpcTarget,
    grpc.credentials.createSsl(read('ca.crt'), read(`${client}.key`), read(`${client}.crt`)),
    {
      'grpc.ssl_target_name_override': 'localhost',
      'grpc.default_authority': 'localhost',
    },
  ) as unknown as grpc.Client & {
    GetMetrics: (
      r: unknown,
      o: grpc.CallOptions,
      cb: (
        e: grpc.ServiceError | null,
        r: { metricValues: { metricValueFloat: number }[] },
      ) => void,
    ) => void;
  };
  return new Promise<{ metricValues: { metricValueFloat: number }[] }>((resolve, reject) =>
    stub.GetMetrics(
      { scaledObjectRef: ref(metadata), metricName: '' },
      { deadline: Date.now() + 5000 },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  ).finally(() => stub.close());
}

let work: string;
beforeAll(() => (work = mkdtempSync(join(tmpdir(), 'kps-pod-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['nothing', [] as Component[]],
  ['webhook', ['webhook'] as Component[]],
  ['mtls', ['mtls'] as Component[]],
  ['mtls + webhook', ['mtls', 'webhook'] as Component[]],
])(
  'pod of base + %s (deploy.test.ts: every variant has the pod of one of these four)',
  (name, components) => {
    let pod: Pod;
    let view: PodView;
    beforeAll(async () => {
      view = podViewOf(renderOverlay(join(work, `pod-${name}`), { components }));
      const env = layOut(join(work, `root-${name}`), view, certs);
      pod = await startPod(env, view.container.args);
    });
    afterAll(() => pod.stop());

    test("serve starts on the shipped files and the container's readiness probe passes", async () => {
      await untilReady(pod, view.container.readinessProbe);
      expect(pod.process.exitCode).toBeNull();
    });

    test(
      components.includes('webhook')
        ? 'the webhook is on: a request without the token gets 401'
        : 'the optional webhook Secret is absent: the webhook answers 503 and says why',
      async () => {
        await untilReady(pod, view.container.readinessProbe);
        const answer = await httpCall(`${pod.httpUrl}/alertmanager`, 'POST', '{}');
        if (components.includes('webhook')) {
          expect(answer.status).toBe(401);
        } else {
          expect(answer.status).toBe(503);
          expect(answer.body).toContain('the webhook is off until its token file');
          expect(pod.output()).toContain('push.alertmanagerTokenFile does not exist yet');
        }
      },
    );
  },
);

test('check --config on the files the pod reads: no complaint about the absent token', () => {
  const view = podViewOf(renderOverlay(join(work, 'check-base'), { components: [] }));
  const env = layOut(join(work, 'root-check'), view, certs);
  const result = spawnSync(
    process.execPath,
    [
      BIN,
      'check',
      '--config',
      env['SCALER_CONFIG']!,
      '--metadata',
      'query=vector(1)',
      '--metadata',
      'threshold=1',
    ],
    { encoding: 'utf8', env: { PATH: process.env['PATH'] }, timeout: 30_000 },
  );
  // The shipped source is an in-cluster name: unreachable here, so exit 1 (UNAVAILABLE), never 2.
  expect(result.stderr + result.stdout).not.toContain('alertmanagerTokenFile');
  expect(result.status).toBe(1);
  expect(result.stdout + result.stderr).toMatch(/UNAVAILABLE/);
});

describe('the documented source override (docs/install.md) with mtls and the webhook', () => {
  let pod: Pod;
  const overlay = {
    components: ['mtls', 'webhook'] as Component[],
    // deploy/kustomization.yaml's commented configMapGenerator, with the test Prometheus's URL.
    kustomization: [
      'configMapGenerator:',
      '  - name: keda-prometheus-scaler-config',
      '    namespace: keda',
      '    behavior: merge',
      '    files:',
      '      - source.yaml',
      '',
    ].join('\n'),
    files: { 'source.yaml': `sources:\n  - name: prometheus\n    url: ${PROM_URL}\n` },
  };
  beforeAll(async () => {
    const docs = renderOverlay(join(work, 'override'), overlay);
    const view = podViewOf(docs);
    // KEDA's client certificate as the mtls component's Certificate names it.
    makeLeaf(certs, 'keda', view.issued['keda-prometheus-scaler-client-tls']!, 'ca', true);
    pod = await startPod(layOut(join(work, 'root-override'), view, certs), view.container.args);
    await untilReady(pod, view.container.readinessProbe);
  });
  afterAll(() => pod.stop());

  test("KEDA's certificate (from the ClusterTriggerAuthentication's Secret) gets the real value", async () => {
    const answer = await getMetrics(
      pod,
      { source: 'prometheus', query: 'sum(kps_test_queue_depth)', threshold: '10' },
      'keda',
    );
    expect(answer.metricValues[0]?.metricValueFloat).toBe(50);
  });

  test("another service's certificate from the same CA is refused (tls.allowedClientNames)", async () => {
    await expect(
      getMetrics(pod, { source: 'prometheus', query: 'vector(1)', threshold: '1' }, 'payments'),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });
});
