// `migrate` on prometheus-adapter: rules read from its ConfigMap, the metric name mapping inverted,
// metricsQuery rendered, HPAs taken over by ScaledObjects that KEDA's CRD schema accepts, target
// types mapped, unused rules listed, the cut-over order, and what cannot move.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../src/main';
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

const WALKTHROUGH = join(__dirname, '../../fixtures/migrate/adapter-walkthrough.yaml');

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

async function run(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['migrate', ...args],
    {},
    { out: t => void out.push(t), err: t => void err.push(t) },
    () => stdin,
  );
  return { code, out: out.join(''), err: err.join('') };
}

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
          query:
            'sum(sum(rate(http_requests_total{namespace="shop",pod=~"sample-app-[a-z0-9]{1,10}-[a-z0-9]{5}"}[2m])) by (pod))',
          threshold: '0.5',
        },
      },
      { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '80' } },
    ]);
    expect(worker.spec.triggers[0]?.metadata['query']).toBe(
      'sum(sum(rabbitmq_queue_messages_ready{namespace="shop",queue="orders"}) by (namespace))',
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
    expect(appReport.warnings.join('\n')).toContain('an approximation');
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
