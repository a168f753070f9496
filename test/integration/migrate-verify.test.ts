// `migrate --verify` against a real Prometheus backfilled with prometheus-adapter-shaped series:
// the adapter's per-pod, per-object and external values and the converted queries compare exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyRow } from '../../src/cli/migrate-verify';
import { runMigrateCaptured } from '../helpers/migrate-run';
import type { PrometheusProcess } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';

const WALKTHROUGH = join(__dirname, '../fixtures/migrate/adapter-walkthrough.yaml');
const SAMPLE_CONFIG = join(__dirname, '../fixtures/migrate/adapter-sample-config.yaml');
const STEP_S = 15;
let prometheus: PrometheusProcess;

/** Two pods at 2/s and 1/s, a queue of 90, an Ingress at 300/s, for three hours around now. */
function data(): string {
  const start = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S - 2 * 3600;
  const lines = [
    '# TYPE http_requests counter',
    '# TYPE nginx_ingress_controller_requests counter',
  ];
  const each = (fn: (t: number) => string) => {
    for (let t = start; t <= start + 3 * 3600; t += STEP_S) lines.push(fn(t));
  };
  for (const [pod, slope] of [
    ['sample-app-5d8f7c9b4-abcde', 2],
    ['sample-app-5d8f7c9b4-fghij', 1],
  ] as const) {
    each(t => `http_requests_total{namespace="shop",pod="${pod}"} ${slope * (t - start)} ${t}`);
  }
  // kube-state-metrics' kube_pod_labels for the pods the Deployments' selectors choose.
  lines.push('# TYPE kube_pod_labels gauge');
  for (const pod of ['sample-app-5d8f7c9b4-abcde', 'sample-app-5d8f7c9b4-fghij']) {
    each(t => `kube_pod_labels{namespace="shop",pod="${pod}",label_app="sample-app"} 1 ${t}`);
  }
  for (const pod of ['api-7f9c6d5b8-kq2xz', 'api-7f9c6d5b8-m4n7p']) {
    each(
      t =>
        `kube_pod_labels{namespace="web",pod="${pod}",label_app="api",label_tier="backend"} 1 ${t}`,
    );
  }
  each(
    t =>
      `nginx_ingress_controller_requests_total{namespace="shop",ingress="frontend"} ${300 * (t - start)} ${t}`,
  );
  // adapter-sample-config.yaml: cAdvisor CPU seconds of two api pods (0.5 and 0.25 cores) and
  // a queue_depth in two namespaces (its rule is not namespaced: both count).
  lines.push('# TYPE container_cpu_usage_seconds counter');
  for (const [pod, cores] of [
    ['api-7f9c6d5b8-kq2xz', 0.5],
    ['api-7f9c6d5b8-m4n7p', 0.25],
  ] as const) {
    each(
      t =>
        `container_cpu_usage_seconds_total{namespace="web",pod="${pod}",container="api"} ${cores * (t - start)} ${t}`,
    );
  }
  lines.push('# TYPE queue_depth gauge');
  each(t => `queue_depth{namespace="jobs",topic="orders",name="orders-consumer"} 120 ${t}`);
  each(t => `queue_depth{namespace="billing",topic="orders",name="orders-audit"} 30 ${t}`);
  lines.push('# TYPE rabbitmq_queue_messages_ready gauge');
  each(t => `rabbitmq_queue_messages_ready{namespace="shop",queue="orders"} 90 ${t}`);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: data() });
}, 60_000);
afterAll(async () => prometheus?.stop());

/**
 * `migrate FILE --verify --replicas 2` against the test Prometheus: exit code and verify rows.
 * FILE `-` reads `stdin`.
 */
async function verifyRows(file: string, flags: string[], stdin = '') {
  const { code, err } = await runMigrateCaptured(
    [file, ...flags, '--verify', '--prometheus-url', prometheus.url, '--replicas', '2'],
    stdin,
  );
  const rows = (JSON.parse(err) as { verify: VerifyRow[] }).verify;
  return {
    code,
    rows,
    compared: rows.map(r => [
      r.trigger,
      r.original,
      r.converted,
      r.originalDesired,
      r.convertedDesired,
      r.ok,
    ]),
  };
}

test('the adapter HPAs and their converted ScaledObjects give the same values and decisions', async () => {
  const { code, rows, compared } = await verifyRows(WALKTHROUGH, ['--output', 'json']);
  expect(compared).toEqual([
    // 3 requests/s over 2 pods, target 0.5 per pod: ceil(3 / 0.5) = 6.
    ['http-requests-per-second', expect.closeTo(3, 9), expect.closeTo(3, 9), 6, 6, true],
    // 90 messages, target 30 per pod: 3.
    ['rabbitmq-queue-messages-ready', 90, 90, 3, 3, true],
    // 300/s against a Value target of 200 at 2 replicas: ceil(2 x 1.5) = 3.
    ['ingress-requests-per-second', expect.closeTo(300, 9), expect.closeTo(300, 9), 3, 3, true],
  ]);
  // The same instant and data: exactly the same numbers (rate() rounding included).
  for (const r of rows) expect(r.original).toBe(r.converted);
  expect(code).toBe(0);
});

test("the adapter's sample-config shapes: per-pod cAdvisor rates and a non-namespaced external metric", async () => {
  const { code, rows, compared } = await verifyRows(SAMPLE_CONFIG, [
    '--adapter-prometheus-url',
    'http://prometheus.monitoring.svc:9090',
    '--output',
    'json',
  ]);
  expect(compared).toEqual([
    // 0.75 cores over 2 pods against 0.25 per pod: ceil(0.75 / 0.25) = 3.
    ['cpu-usage', expect.closeTo(0.75, 9), expect.closeTo(0.75, 9), 3, 3, true],
    // The queue in both namespaces, 150 against 100 per replica: 2.
    ['queue-depth', 150, 150, 2, 2, true],
  ]);
  for (const r of rows) expect(r.original).toBe(r.converted);
  // The HPAs on the rule without metricsQuery and on the unlabelled namespaced rule cannot move.
  expect(code).toBe(1);
});

test("pods the workload's selector does not find in kube_pod_labels: a difference, not a 0", async () => {
  // The Deployment's selector names a label kube-state-metrics does not export for its pods.
  const text = readFileSync(WALKTHROUGH, 'utf8').replace(
    'matchLabels: { app: sample-app }',
    'matchLabels: { app: sample-app, team: shop }',
  );
  const { code, compared } = await verifyRows('-', ['--output', 'json'], text);
  expect(compared[0]).toEqual([
    'http-requests-per-second',
    expect.closeTo(3, 9),
    expect.stringContaining('empty'),
    6,
    undefined,
    false,
  ]);
  expect(code).toBe(1);
});

test('an adapter query that matches no series is a difference: the adapter serves no value', async () => {
  // The worker's queue selector names a queue Prometheus does not have.
  const text = readFileSync(WALKTHROUGH, 'utf8').replace('queue: orders', 'queue: refunds');
  const { code, rows } = await verifyRows('-', ['--output', 'json'], text);
  const worker = rows.find(r => r.object === 'HorizontalPodAutoscaler shop/worker');
  expect([worker?.original, worker?.ok]).toEqual([
    "no series: prometheus-adapter serves no value, so the HPA's metric is missing",
    false,
  ]);
  // ignoreNullValues "false": the converted trigger fails too, rather than reading 0.
  expect(worker?.converted).toEqual(expect.stringContaining('empty'));
  expect(code).toBe(1);
});

test('a trigger whose original and converted readings cannot agree is flagged, exit 1', async () => {
  // Several series: KEDA's built-in fails, so there is nothing to compare.
  const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {name: api}
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        query: rate(http_requests_total[2m])
        threshold: "1"
`;
  const { code, err } = await runMigrateCaptured(
    ['-', '--verify', '--prometheus-url', prometheus.url],
    so,
  );
  expect(code).toBe(1);
  expect(err).toContain(
    'DIFF ScaledObject shop/api, trigger trigger0: error: KEDA fails: the query returned multiple elements',
  );
});

// Was: the original side showed this scaler's refusal, not what KEDA's built-in trigger read.
test("a range-vector query reads as KEDA's built-in trigger read it: 0, or its error without ignoreNullValues", async () => {
  const so = (ignoreNullValues: string) => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: inflight, namespace: shop}
spec:
  scaleTargetRef: {name: inflight}
  triggers:
    - type: prometheus
      name: inflight
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        query: rabbitmq_queue_messages_ready[5m]
        threshold: "10"
        ignoreNullValues: "${ignoreNullValues}"
`;
  const silent = await runMigrateCaptured(
    ['-', '--verify', '--prometheus-url', prometheus.url],
    so('true'),
  );
  expect(silent.code).toBe(1);
  expect(silent.err).toContain(
    'DIFF ScaledObject shop/inflight, trigger inflight: 0 vs error: the query returned a range vector (matrix)',
  );
  const strict = await runMigrateCaptured(
    ['-', '--verify', '--prometheus-url', prometheus.url],
    so('false'),
  );
  expect(strict.err).toContain(
    'DIFF ScaledObject shop/inflight, trigger inflight: error: KEDA fails: a range vector has no instant value vs error: the query returned a range vector',
  );
});

test('an agreement on nothing (both 0 from no series) says so', async () => {
  const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: idle, namespace: shop}
spec:
  scaleTargetRef: {name: idle}
  triggers:
    - type: prometheus
      name: idle
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        query: sum(no_such_metric_anywhere)
        threshold: "10"
`;
  const r = await runMigrateCaptured(['-', '--verify', '--prometheus-url', prometheus.url], so);
  expect(r.code).toBe(0);
  expect(r.err).toContain(
    'ok   ScaledObject shop/idle, trigger idle: 0 vs 0; at 1 replica(s) desired 1 vs 1 (tolerance 0.1)\n       note: both read 0 because the query matches no series now',
  );
});

describe("both decisions use the HPA's own tolerance", () => {
  // 90 messages against 44 per replica at 2 replicas: a usage ratio of 90 / 88 = 1.023, inside
  // the controller's default tolerance of 0.1 (keep 2) and outside 0.01 (ceil(90 / 44) = 3).
  const scaledObject = (behavior: string) => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: worker, namespace: shop}
spec:
  scaleTargetRef: {name: worker}
  maxReplicaCount: 10
  advanced:
    horizontalPodAutoscalerConfig:
      ${behavior}
  triggers:
    - type: prometheus
      name: queue
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        query: sum(rabbitmq_queue_messages_ready)
        threshold: "44"
`;
  const verify = (so: string, ...flags: string[]) =>
    runMigrateCaptured(
      ['-', '--verify', '--prometheus-url', prometheus.url, '--replicas', '2', ...flags],
      so,
    );

  test.each([
    ['no behavior: the controller default', 'name: worker', [], 2, '0.1'],
    [
      'behavior.scaleUp.tolerance',
      'behavior: {scaleUp: {tolerance: "0.01"}}',
      [],
      3,
      'up 0.01, down 0.1',
    ],
    [
      '--hpa-tolerance, no behavior tolerance',
      'name: worker',
      ['--hpa-tolerance', '0.01'],
      3,
      '0.01',
    ],
    [
      'behavior tolerance over --hpa-tolerance',
      'behavior: {scaleUp: {tolerance: 200m}, scaleDown: {tolerance: 200m}}',
      ['--hpa-tolerance', '0.01'],
      2,
      '0.2',
    ],
  ])('%s', async (_name, behavior, flags, desired, shown) => {
    const r = await verify(scaledObject(behavior), ...flags);
    expect(r.err).toContain(
      `ok   ScaledObject shop/worker, trigger queue: 90 vs 90; at 2 replica(s) desired ${desired} vs ${desired} (tolerance ${shown})`,
    );
    expect(r.code).toBe(0);
  });

  test('a tolerance that is not a fraction is a usage error', async () => {
    const r = await verify(scaledObject('name: worker'), '--hpa-tolerance', '10%');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '--hpa-tolerance: must be a fraction >= 0 and < 1 (0.1 is 10%), got "10%"',
    );
  });
});
