// `migrate --verify` against a real Prometheus backfilled with prometheus-adapter-shaped series:
// the adapter's per-pod, per-object and external values and the converted queries compare exactly.
import { join } from 'node:path';
import { main } from '../../src/main';
import type { VerifyRow } from '../../src/cli/migrate-verify';
import type { PrometheusProcess } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';

const WALKTHROUGH = join(__dirname, '../fixtures/migrate/adapter-walkthrough.yaml');
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
  each(
    t =>
      `nginx_ingress_controller_requests_total{namespace="shop",ingress="frontend"} ${300 * (t - start)} ${t}`,
  );
  lines.push('# TYPE rabbitmq_queue_messages_ready gauge');
  each(t => `rabbitmq_queue_messages_ready{namespace="shop",queue="orders"} 90 ${t}`);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: data() });
}, 60_000);
afterAll(async () => prometheus?.stop());

test('the adapter HPAs and their converted ScaledObjects give the same values and decisions', async () => {
  const err: string[] = [];
  const code = await main(
    [
      'migrate',
      WALKTHROUGH,
      '--verify',
      '--prometheus-url',
      prometheus.url,
      '--replicas',
      '2',
      '--output',
      'json',
    ],
    {},
    { out: () => undefined, err: t => void err.push(t) },
  );
  const rows = (JSON.parse(err.join('')) as { verify: VerifyRow[] }).verify;
  expect(
    rows.map(r => [
      r.trigger,
      r.original,
      r.converted,
      r.originalDesired,
      r.convertedDesired,
      r.ok,
    ]),
  ).toEqual([
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
  const err: string[] = [];
  const code = await main(
    ['migrate', '-', '--verify', '--prometheus-url', prometheus.url],
    {},
    { out: () => undefined, err: t => void err.push(t) },
    () => so,
  );
  expect(code).toBe(1);
  expect(err.join('')).toContain(
    'DIFF ScaledObject shop/api, trigger trigger0: error: KEDA fails: the query returned multiple elements',
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
  async function verify(so: string, ...flags: string[]) {
    const err: string[] = [];
    const code = await main(
      ['migrate', '-', '--verify', '--prometheus-url', prometheus.url, '--replicas', '2', ...flags],
      {},
      { out: () => undefined, err: t => void err.push(t) },
      () => so,
    );
    return { code, err: err.join('') };
  }

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
