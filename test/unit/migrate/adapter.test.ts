// `migrate` on prometheus-adapter: rules read from its ConfigMap, the metric name mapping inverted,
// metricsQuery rendered, HPAs taken over by ScaledObjects that KEDA's CRD schema accepts, target
// types mapped, unused rules listed, the cut-over order, and what cannot move.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { deriveMetricName } from '../../../src/core/metric-name';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { AdapterRule } from '../../../src/migrate/adapter-rules';
import {
  TemplateError,
  metricNameOf,
  readAdapterConfig,
  renderMetricsQuery,
  seriesFor,
} from '../../../src/migrate/adapter-rules';
import { parseQuantity } from '../../../src/migrate/quantity';
import type { MigrateReport } from '../../../src/migrate/report';
import { kedaValidators } from '../../helpers/kubernetes-schemas';
import { runMigrateCaptured } from '../../helpers/migrate-run';

const WALKTHROUGH = join(__dirname, '../../fixtures/migrate/adapter-walkthrough.yaml');
const SAMPLE_CONFIG = join(__dirname, '../../fixtures/migrate/adapter-sample-config.yaml');
const KUBE_PROMETHEUS = join(__dirname, '../../fixtures/migrate/adapter-kube-prometheus.yaml');
const ADAPTER_URL = ['--adapter-prometheus-url', 'http://prometheus.monitoring.svc:9090'];

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    minReplicaCount?: number;
    maxReplicaCount?: number;
    advanced?: { horizontalPodAutoscalerConfig?: { name?: string; behavior?: unknown } };
    triggers: {
      type: string;
      name: string;
      metricType: string;
      metadata: Record<string, string>;
    }[];
  };
}

const run = runMigrateCaptured;

const rule = (overrides: Partial<AdapterRule>): AdapterRule => ({
  ...readAdapterConfig(
    { rules: [{ seriesQuery: 'x', metricsQuery: 'x', name: { matches: '^(.*)_total$' } }] },
    't',
  ).rules[0]!,
  ...overrides,
});

describe('adapter rules', () => {
  test.each([
    [
      'walkthrough: ${1}_per_second',
      '^(.*)_total$',
      '${1}_per_second',
      'http_requests_per_second',
      'http_requests_total',
    ],
    [
      'default as: the first group',
      '^container_(.*)_seconds_total$',
      '',
      'cpu_usage',
      'container_cpu_usage_seconds_total',
    ],
    [
      'no group: the whole name',
      '.*',
      '',
      'rabbitmq_queue_messages_ready',
      'rabbitmq_queue_messages_ready',
    ],
    [
      '$1 with a prefix',
      '^nginx_ingress_controller_(.*)_total$',
      'ingress_$1_per_second',
      'ingress_requests_per_second',
      'nginx_ingress_controller_requests_total',
    ],
  ])('%s', (_name, matches, as, metric, series) => {
    const r = rule({ matches: new RegExp(matches), as, seriesQuery: `{__name__=~".+"}` });
    expect(seriesFor(r, metric)).toBe(series);
    expect(metricNameOf(r, series)).toBe(metric);
  });

  test('seriesQuery and seriesFilters decide whether the rule serves the metric', () => {
    const base = { matches: /^(.*)_total$/, as: '' };
    expect(
      seriesFor(rule({ ...base, seriesQuery: 'other_total{a="b"}' }), 'http_requests'),
    ).toBeUndefined();
    expect(
      seriesFor(
        rule({ ...base, seriesQuery: '{__name__=~"^http_.*"}', filters: [{ isNot: /^http_/ }] }),
        'http_requests',
      ),
    ).toBeUndefined();
    expect(
      seriesFor(rule({ ...base, seriesQuery: '{__name__=~"^http_.*"}' }), 'http_requests'),
    ).toBe('http_requests_total');
  });

  test('metricsQuery renders the three fields and refuses any other action', () => {
    const values = { series: 's', labelMatchers: 'a="b"', groupBy: 'pod' };
    expect(
      renderMetricsQuery(
        'sum(rate(<<.Series>>{<< .LabelMatchers >>}[1m])) by (<<.GroupBy>>)',
        values,
      ),
    ).toBe('sum(rate(s{a="b"}[1m])) by (pod)');
    expect(() => renderMetricsQuery('sum(<<.Series>>) by (<<range .GroupBy>>)', values)).toThrow(
      TemplateError,
    );
  });

  test('quantities', () => {
    expect([
      parseQuantity('500m'),
      parseQuantity('30'),
      parseQuantity('1.5k'),
      parseQuantity('2Gi'),
      parseQuantity('1e3'),
    ]).toEqual([0.5, 30, 1500, 2 * 2 ** 30, 1000]);
    expect(parseQuantity('ten')).toBeUndefined();
  });
});

describe('HPAs on prometheus-adapter metrics', () => {
  test('become ScaledObjects that take the HPA over, valid for KEDA, with rendered queries', async () => {
    const r = await run([WALKTHROUGH, '--output', 'json']);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.out).map(d => d.toJS() as Obj);
    const scaled = docs.filter(d => d.kind === 'ScaledObject');
    expect(scaled.map(d => d.metadata.name)).toEqual(['sample-app', 'worker', 'frontend']);
    // The HPAs themselves are replaced: KEDA adopts them.
    expect(docs.filter(d => d.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    for (const so of scaled) {
      const validate = kedaValidators['keda.sh/v1alpha1/ScaledObject']!;
      expect(validate(so) ? [] : validate.errors).toEqual([]);
      expect(so.metadata.annotations).toEqual({
        'scaledobject.keda.sh/transfer-hpa-ownership': 'true',
      });
      expect(so.spec.advanced?.horizontalPodAutoscalerConfig?.name).toBe(so.metadata.name);
    }
    const [app, worker, frontend] = scaled as [Obj, Obj, Obj];
    expect(app.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 10 });
    expect(app.spec.advanced?.horizontalPodAutoscalerConfig?.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 120 },
    });
    expect(app.spec.triggers).toEqual([
      {
        type: 'external',
        name: 'http-requests-per-second',
        metricType: 'AverageValue',
        metadata: {
          scalerAddress: 'keda-prometheus-scaler.keda.svc.cluster.local:6000',
          source: 'prometheus-k8s',
          // The Deployment is in the input: its selector picks the pods (kube_pod_labels).
          query:
            'sum((sum(rate(http_requests_total{namespace="shop"}[2m])) by (pod)) and on(pod) kube_pod_labels{namespace="shop",label_app="sample-app"})',
          threshold: '0.5',
          ignoreNullValues: 'false',
        },
      },
      { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '80' } },
    ]);
    expect(worker.spec.triggers[0]?.metadata['query']).toBe(
      // The adapter renders an External query with an empty <<.GroupBy>>.
      'sum(sum(rabbitmq_queue_messages_ready{namespace="shop",queue="orders"}) by ())',
    );
    expect(frontend.spec.triggers[0]).toMatchObject({
      metricType: 'Value',
      metadata: {
        query:
          'sum(sum(rate(nginx_ingress_controller_requests_total{namespace="shop",ingress="frontend"}[1m])) by (ingress))',
        threshold: '200',
      },
    });

    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.unusedAdapterMetrics).toEqual([
      expect.stringContaining('rules[2]: seriesQuery {__name__=~"^container_.*"'),
    ]);
    const cutover = report.cutover.join('\n');
    // metrics.k8s.io before the adapter goes; external with its HPAs; custom last.
    expect(cutover.indexOf('metrics.k8s.io: the cpu/memory')).toBeLessThan(
      cutover.indexOf('external.metrics.k8s.io'),
    );
    expect(cutover.indexOf('external.metrics.k8s.io')).toBeLessThan(
      cutover.indexOf('custom.metrics.k8s.io'),
    );
    const appReport = report.objects.find(
      o => o.object === 'HorizontalPodAutoscaler shop/sample-app',
    )!;
    expect(appReport.warnings.join('\n')).toContain(
      "chosen by its spec.selector through kube-state-metrics' kube_pod_labels, which must export those labels (--metric-labels-allowlist=pods=[app])",
    );
    expect(appReport.warnings.join('\n')).toContain('not-ready');
  });

  test('an HPA on a metric no rule serves, and a template that cannot be rendered, cannot move', async () => {
    const text = readFileSync(WALKTHROUGH, 'utf8')
      .replace('name: rabbitmq_queue_messages_ready', 'name: rabbitmq_queue_lag')
      .replace(
        "'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'",
        "'sum(<<.Series>>) by (<<index .LabelValues 0>>)'",
      );
    const r = await run(['-', '--output', 'json'], text);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.err) as MigrateReport;
    const reasons = (name: string) =>
      report.objects
        .find(o => o.object === `HorizontalPodAutoscaler shop/${name}`)!
        .reasons.join('\n');
    expect(reasons('worker')).toContain(
      'spec.metrics[0].external.metric.name: no externalRules entry of ConfigMap monitoring/adapter-config',
    );
    expect(reasons('frontend')).toContain(
      'rules[1].metricsQuery: cannot render <<index .LabelValues 0>>',
    );
    // Those HPAs are written unchanged.
    const kinds = parseAllDocuments(r.out).map(d => (d.toJS() as Obj).kind);
    expect(kinds.filter(k => k === 'HorizontalPodAutoscaler')).toHaveLength(2);
  });

  test('an adapter configuration that is not YAML is bad input', async () => {
    const r = await run(
      ['-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: m}\ndata:\n  config.yaml: "rules: [\\n"\n',
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('ConfigMap m/a');
  });
});

describe('configurations in the shapes of the adapter docs and kube-prometheus', () => {
  const reportOf = (r: { err: string }) => JSON.parse(r.err) as MigrateReport;
  const entry = (report: MigrateReport, object: string) =>
    report.objects.find(o => o.object === object)!;

  test('a rule with a misspelt metricsQuery cannot move; the rest of the configuration does', async () => {
    const r = await run([SAMPLE_CONFIG, ...ADAPTER_URL, '--output', 'json']);
    // Not bad input (2): the adapter ignores the unknown key and loses only that rule.
    expect(r.code).toBe(1);
    const report = reportOf(r);
    const typo =
      'rules[3]: no metricsQuery (a non-empty string), so prometheus-adapter serves no value from this rule; keys it ignores here: metricQuery (did you mean "metricsQuery"?)';
    expect(entry(report, 'prometheus-adapter config')).toMatchObject({
      outcome: 'cannot-move',
      reasons: [typo],
      written: false,
    });
    expect(entry(report, 'HorizontalPodAutoscaler jobs/urgent')).toMatchObject({
      outcome: 'cannot-move',
      reasons: [`spec.metrics[0]: served by ${SAMPLE_CONFIG}#1 ${typo}`],
    });
    expect(
      parseAllDocuments(r.out)
        .map(d => d.toJS() as Obj)
        .filter(d => d.kind === 'ScaledObject')
        .map(d => [d.metadata.name, d.spec.triggers.map(t => t.metadata['query'])]),
    ).toEqual([
      [
        'api',
        [
          'sum((sum(rate(container_cpu_usage_seconds_total{namespace="web",container!="POD"}[2m])) by (pod)) and on(pod) kube_pod_labels{namespace="web",label_app="api",label_tier="backend"})',
        ],
      ],
      // resources.namespaced: false: no namespace matcher, as the adapter queries it.
      ['consumer', ['sum(sum(queue_depth{topic="orders"}) by (name))']],
    ]);
    expect(entry(report, 'HorizontalPodAutoscaler jobs/consumer').warnings).toEqual([
      'spec.metrics[0]: externalRules[1] sets resources.namespaced: false, so the query has no namespace matcher and reads queue_depth of every namespace, as the adapter did',
    ]);
    // Namespaced (the default) with no namespace label: the adapter fails that query.
    expect(entry(report, 'HorizontalPodAutoscaler jobs/lagging').reasons).toEqual([
      expect.stringContaining(
        'externalRules[0]: resources map no namespace label and namespaced is not false',
      ),
    ]);
    // Rules that HPAs use count as used, whether those HPAs can move or not.
    expect(report.unusedAdapterMetrics).toEqual([
      expect.stringContaining('#1 rules[1]: seriesQuery'),
      expect.stringContaining('#1 rules[2]: seriesQuery'),
    ]);
    // Several rules could give cpu_usage: the first is used and the others named.
    expect(entry(report, 'HorizontalPodAutoscaler web/api').warnings[0]).toContain(
      'rules[1] (series container_cpu_usage_total), rules[2] (series cpu_usage_total) would give the same name',
    );
  });

  test('a plain config.yaml is read, not written: standard output holds only Kubernetes objects', async () => {
    const r = await run([SAMPLE_CONFIG, ...ADAPTER_URL]);
    // Every document of standard output is something kubectl apply takes.
    const docs = parseAllDocuments(r.out).map(d => d.toJS() as Partial<Obj>);
    expect(docs.filter(d => d.apiVersion === undefined || d.kind === undefined)).toEqual([]);
    expect(r.out).not.toContain('seriesQuery');
    // The report says what became of it instead of "passed through".
    expect(r.err).toContain(
      `prometheus-adapter config (${SAMPLE_CONFIG}#1): CANNOT MOVE (read, not written: a config.yaml is no Kubernetes object)`,
    );
    const ok = await run(
      ['-', ...ADAPTER_URL],
      readFileSync(SAMPLE_CONFIG, 'utf8').replace('metricQuery:', 'metricsQuery:'),
    );
    expect(ok.err).toContain(
      'prometheus-adapter config (stdin#1): read, not written (a config.yaml is no Kubernetes object)',
    );
    expect(parseAllDocuments(ok.out).map(d => (d.toJS() as Obj).kind)).not.toContain(undefined);
  });

  test("each external trigger's HPA metric name before (the adapter's) and after (KEDA's) is reported", async () => {
    const r = await run([SAMPLE_CONFIG, ...ADAPTER_URL, '--output', 'json']);
    const so = parseAllDocuments(r.out)
      .map(d => d.toJS() as Obj)
      .find(d => d.kind === 'ScaledObject' && d.metadata.name === 'consumer')!;
    const metadata = so.spec.triggers[0]!.metadata;
    const after = `s0-${deriveMetricName(parseTrigger(metadata), metadata['source']!)}`;
    expect(entry(reportOf(r), 'HorizontalPodAutoscaler jobs/consumer').hpaMetrics).toEqual([
      { trigger: 'spec.metrics[0]', before: 'queue_depth', after },
    ]);
  });

  test('keys the adapter ignores are warnings with their did-you-mean', async () => {
    const text = readFileSync(SAMPLE_CONFIG, 'utf8')
      .replace("seriesFilters:\n      - isNot: '^container_.*_seconds_total$'", 'seriesFilter: []')
      .replace('      namespaced: false', '      namespaced: false\n      overide: {}');
    const r = await run(['-', ...ADAPTER_URL, '--output', 'json'], text);
    expect(r.code).toBe(1);
    expect(entry(reportOf(r), 'prometheus-adapter config').warnings).toEqual([
      'rules[1].seriesFilter: prometheus-adapter ignores this key (did you mean "seriesFilters"?)',
      'externalRules[1].resources.overide: prometheus-adapter ignores this key (did you mean "overrides"?)',
    ]);
  });

  test("kube-prometheus's generated config (quoted keys, resourceRules only) is read", async () => {
    const r = await run([KUBE_PROMETHEUS, '--output', 'json']);
    expect(r.code).toBe(0);
    const [so] = parseAllDocuments(r.out)
      .map(d => d.toJS() as Obj)
      .filter(d => d.kind === 'ScaledObject');
    expect(so?.spec.triggers).toEqual([
      { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      {
        type: 'memory',
        name: 'memory',
        metricType: 'AverageValue',
        metadata: { value: String(512 * 2 ** 20) },
      },
    ]);
    const report = reportOf(r);
    expect(entry(report, 'ConfigMap monitoring/adapter-config').reasons).toEqual([
      'prometheus-adapter configuration, read; remove it at the end of the cut-over',
    ]);
    // The adapter serves metrics.k8s.io here: metrics-server must take it before the adapter goes.
    expect(report.cutover.join('\n')).toContain('install metrics-server');
  });
});

test('an adapter whose Prometheus is in its own pod (localhost) needs --adapter-prometheus-url', async () => {
  // The adapter walkthrough's Deployment: Prometheus beside the adapter, at localhost.
  const text = readFileSync(WALKTHROUGH, 'utf8').replace(
    '--prometheus-url=http://prometheus-k8s.monitoring.svc:9090/',
    '--prometheus-url=http://localhost:9090',
  );
  const r = await run(['-', '--output', 'json'], text);
  expect(r.code).toBe(1);
  const report = JSON.parse(r.err) as MigrateReport;
  expect(
    report.objects.find(o => o.object === 'HorizontalPodAutoscaler shop/worker'),
  ).toMatchObject({
    outcome: 'cannot-move',
    reasons: [
      "prometheus-adapter's --prometheus-url http://localhost:9090 is in its own pod, which the scaler cannot reach: pass --adapter-prometheus-url with that Prometheus's Service address",
    ],
  });
  const given = await run(['-', ...ADAPTER_URL, '--output', 'json'], text);
  expect(given.code).toBe(0);
});
