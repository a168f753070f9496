// An autoscaling/v2 HorizontalPodAutoscaler on prometheus-adapter's metrics → a ScaledObject that
// takes the HPA over (scaledobject.keda.sh/transfer-hpa-ownership, kedacore/keda #4457) with one
// trigger per metric: the adapter's query rendered for the HPA's namespace and target, and the
// target type mapped so that the HPA decides the same (k8s pkg/controller/podautoscaler
// replica_calculator.go: a Pods metric's averageValue is compared with the mean over pods).
import type { AdapterConfig, AdapterRule } from './adapter-rules';
import {
  TemplateError,
  exactSeriesName,
  labelFor,
  metricNameOf,
  renderMetricsQuery,
  selectorMatchers,
  seriesFor,
} from './adapter-rules';
import type { InputObject, Json } from './manifests';
import { isMap, objectName } from './manifests';
import { podSelection } from './pod-selector';
import { numberText, parseQuantity } from './quantity';
import type { HpaMetricRename, ObjectReport } from './report';
import type { MetricNamer } from './builtin-trigger';
import { parseTrigger } from '../metadata/parse-trigger';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { text } from './trigger-auth';
import type { VerifyCheck } from './verify-plan';
import { behaviorTolerances } from './verify-plan';

export const TRANSFER_ANNOTATION = 'scaledobject.keda.sh/transfer-hpa-ownership';

/** What an HPA's metrics need from the metrics APIs (for the cut-over order). */
export interface ApiUse {
  resource: boolean;
  custom: boolean;
  external: boolean;
}

export interface AdapterConversion {
  report: ObjectReport;
  body: Json | undefined;
  /** The rules this HPA uses (`rules[0]`), converted or not, for the list of unused ones. */
  rulesUsed: string[];
  apis: ApiUse;
  /** For --verify: per converted trigger, the adapter's own per-object query and the new one. */
  checks: VerifyCheck[];
}

/**
 * The rules that could serve `metric` (an HPA metric name), each with its series. Offline, several
 * rules may give one name (the adapter's rules must not overlap, its docs/config.md says, but which
 * series exist decides): a rule whose seriesQuery names its one series comes first, then the
 * others in the configuration's order.
 */
function rulesFor(
  config: AdapterConfig,
  metric: string,
  external: boolean,
): { rule: AdapterRule; series: string }[] {
  const found: { rule: AdapterRule; series: string; exact: boolean }[] = [];
  for (const rule of config.rules.filter(r => r.external === external)) {
    const series = seriesFor(rule, metric);
    if (series !== undefined) {
      found.push({ rule, series, exact: exactSeriesName(rule.seriesQuery) === series });
    }
  }
  return [...found.filter(f => f.exact), ...found.filter(f => !f.exact)];
}

/**
 * The metric names the rules serve whose seriesQuery names one series exactly (the rest depend on
 * the series in Prometheus): what a misspelled HPA metric name is compared with.
 */
function namesServed(config: AdapterConfig, external: boolean): string[] {
  return config.rules
    .filter(r => r.external === external)
    .flatMap(r => {
      const series = exactSeriesName(r.seriesQuery);
      const name = series === undefined ? undefined : metricNameOf(r, series);
      return name === undefined ? [] : [name];
    });
}

/** A trigger name from a metric name: lower-case, `-` for anything else (KEDA: DNS-1123-ish). */
function triggerName(metric: string, used: Set<string>): string {
  const base =
    metric
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'metric';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

/** True when the HPA uses a metric prometheus-adapter could serve (anything but metrics-server's alone). */
export function usesAdapter(hpa: InputObject, configs: readonly AdapterConfig[]): boolean {
  const metrics =
    isMap(hpa.body['spec']) && Array.isArray(hpa.body['spec']['metrics'])
      ? hpa.body['spec']['metrics']
      : [];
  return metrics.some(
    (m: unknown) =>
      isMap(m) &&
      (['Pods', 'Object', 'External'].includes(text(m['type'])) ||
        configs.some(c => c.resourceRules !== undefined)),
  );
}

export function convertHpa(
  hpa: InputObject,
  configs: readonly AdapterConfig[],
  workloads: readonly InputObject[],
  source: string,
  scalerAddress: string,
  metricNameOf: MetricNamer,
): AdapterConversion {
  const report: ObjectReport = {
    object: objectName(hpa),
    origin: hpa.origin,
    outcome: 'converted',
    changes: [],
    warnings: [],
    reasons: [],
  };
  const apis: ApiUse = { resource: false, custom: false, external: false };
  const rulesUsed: string[] = [];
  const checks: VerifyCheck[] = [];
  const spec = isMap(hpa.body['spec']) ? hpa.body['spec'] : {};
  const target = isMap(spec['scaleTargetRef']) ? spec['scaleTargetRef'] : {};
  const ns = hpa.namespace;
  const metrics = Array.isArray(spec['metrics']) ? spec['metrics'] : [];
  const triggers: Json[] = [];
  const hpaMetrics: HpaMetricRename[] = [];
  const names = new Set<string>();
  const config = configs[0];
  metrics.forEach((m: unknown, i) => {
    const field = `spec.metrics[${i}]`;
    if (!isMap(m)) {
      report.reasons.push(`${field}: must be a mapping`);
      return;
    }
    const type = text(m['type']);
    if (type === 'Resource' || type === 'ContainerResource') {
      const r = isMap(m[type === 'Resource' ? 'resource' : 'containerResource'])
        ? (m[type === 'Resource' ? 'resource' : 'containerResource'] as Json)
        : {};
      const name = text(r['name']);
      const t = isMap(r['target']) ? r['target'] : {};
      if (name !== 'cpu' && name !== 'memory') {
        report.reasons.push(
          `${field}.resource.name: ${name} has no KEDA trigger (cpu and memory do)`,
        );
        return;
      }
      apis.resource = true;
      const utilization = text(t['type']) === 'Utilization';
      const value = utilization
        ? parseQuantity(t['averageUtilization'])
        : parseQuantity(t['averageValue']);
      if (value === undefined) {
        report.reasons.push(
          `${field}.target: needs ${utilization ? 'averageUtilization' : 'averageValue'}`,
        );
        return;
      }
      triggers.push({
        type: name,
        name: triggerName(name, names),
        metricType: utilization ? 'Utilization' : 'AverageValue',
        metadata: {
          value: numberText(value),
          ...(type === 'ContainerResource' ? { containerName: text(r['container']) } : {}),
        },
      });
      report.changes.push(
        `${field}: Resource ${name} → KEDA ${name} trigger (metrics.k8s.io stays needed)`,
      );
      return;
    }
    if (config === undefined) {
      report.reasons.push(`${field}: no prometheus-adapter configuration in the input`);
      return;
    }
    const body = isMap(m[type.toLowerCase()]) ? (m[type.toLowerCase()] as Json) : undefined;
    const metric = body !== undefined && isMap(body['metric']) ? body['metric'] : undefined;
    const t = body !== undefined && isMap(body['target']) ? body['target'] : {};
    const metricName = text(metric?.['name']);
    if (
      !['Pods', 'Object', 'External'].includes(type) ||
      metric === undefined ||
      metricName === ''
    ) {
      report.reasons.push(
        `${field}: type ${type || '(none)'} with no metric name; migrate reads Pods, Object, External, Resource and ContainerResource`,
      );
      return;
    }
    const external = type === 'External';
    const [found, ...others] = rulesFor(config, metricName, external);
    if (found === undefined) {
      report.reasons.push(
        `${field}.${type.toLowerCase()}.metric.name: no ${external ? 'externalRules' : 'rules'} entry of ${config.origin} serves ${JSON.stringify(metricName)} (after name, seriesQuery and seriesFilters)${didYouMeanSuffix(metricName, namesServed(config, external))}`,
      );
      return;
    }
    const { rule, series } = found;
    rulesUsed.push(rule.at);
    if (others.length > 0 && exactSeriesName(rule.seriesQuery) !== series) {
      report.warnings.push(
        `${field}: ${metricName} is read from ${rule.at} (series ${series}); ${others.map(o => `${o.rule.at} (series ${o.series})`).join(', ')} would give the same name if that series exists: which one the adapter serves depends on the series in Prometheus (--verify shows a series that does not exist as DIFF)`,
      );
    }
    if (rule.problem !== undefined) {
      report.reasons.push(`${field}: served by ${config.origin} ${rule.problem}`);
      return;
    }
    if (rule.replacesLabelValues) {
      report.reasons.push(
        `${field}: ${rule.at}.labelValueReplacements: the adapter rewrites label values before it queries; migrate does not, so the query would differ`,
      );
      return;
    }
    if (external) apis.external = true;
    else apis.custom = true;
    const selector = selectorMatchers(metric['selector']);
    const nsLabel = labelFor(rule, 'namespace');
    let matchers: string[];
    let groupBy: string;
    // A Pods metric: the adapter's pods by name (for --verify) and, where the workload's selector
    // can say it, the converted query's pods by label.
    let pods: { byName: string[]; converted: string[]; filter: string | undefined } | undefined;
    if (type === 'Pods') {
      const podLabel = labelFor(rule, 'pod');
      if (podLabel === undefined || nsLabel === undefined) {
        report.reasons.push(
          `${rule.at}: resources name no pod and namespace labels, so the adapter cannot serve a Pods metric from it`,
        );
        return;
      }
      const { byName, bySelector } = podSelection(target, workloads, ns, podLabel);
      const chosen = bySelector ?? byName;
      report.warnings.push(`${field}: ${chosen.note}`);
      matchers = [`${nsLabel}=${JSON.stringify(ns)}`, ...selector];
      pods = { byName: byName.matchers, converted: chosen.matchers, filter: chosen.filter };
      groupBy = podLabel;
    } else if (type === 'Object') {
      const described = isMap(body?.['describedObject']) ? body['describedObject'] : {};
      const kind = text(described['kind']).toLowerCase();
      const group = text(described['apiVersion']).includes('/')
        ? (text(described['apiVersion']).split('/')[0] ?? '')
        : '';
      const label = labelFor(rule, kind, group);
      if (label === undefined || nsLabel === undefined) {
        report.reasons.push(
          `${rule.at}: resources name no ${kind} label, so the adapter cannot serve this Object metric from it`,
        );
        return;
      }
      matchers = [
        `${nsLabel}=${JSON.stringify(ns)}`,
        `${label}=${JSON.stringify(text(described['name']))}`,
        ...selector,
      ];
      groupBy = label;
    } else if (!rule.namespaced) {
      // External with resources.namespaced: false: no namespace matcher at all. The adapter
      // renders an External query with an empty <<.GroupBy>> (pkg/naming/metric_namer.go,
      // QueryForExternalSeries), and the HPA sums what it returns.
      matchers = selector;
      groupBy = '';
      report.warnings.push(
        `${field}: ${rule.at} sets resources.namespaced: false, so the query has no namespace matcher and reads ${series} of every namespace, as the adapter did`,
      );
    } else {
      // External, namespaced (the adapter's default): the HPA's namespace on the rule's label;
      // without one the adapter fails the query (pkg/naming/metrics_query.go, BuildExternal).
      if (nsLabel === undefined) {
        report.reasons.push(
          `${field}: ${rule.at}: resources map no namespace label and namespaced is not false, so the adapter cannot serve this External metric (set resources.namespaced: false, or an override namespace: {resource: namespace})`,
        );
        return;
      }
      matchers = [`${nsLabel}=${JSON.stringify(ns)}`, ...selector];
      groupBy = '';
    }
    // The adapter's own query (per object), and the converted trigger's total.
    let rendered: string;
    let query: string;
    try {
      // The pods' matchers go after the namespace's, as the adapter writes them.
      const render = (podMatchers: string[]) =>
        renderMetricsQuery(rule.metricsQuery, {
          series,
          labelMatchers: [...matchers.slice(0, 1), ...podMatchers, ...matchers.slice(1)].join(','),
          groupBy,
        });
      rendered = render(pods?.byName ?? []);
      query =
        pods?.filter === undefined
          ? `sum(${rendered})`
          : `sum((${render(pods.converted)}) and on(${groupBy}) ${pods.filter})`;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      report.reasons.push(`${rule.at}.${e.message}`);
      return;
    }
    // The HPA sums an External metric's values, and averages a Pods metric's over the pods;
    // a KEDA AverageValue trigger divides one total by the replicas: the same when every pod has
    // a sample and is ready.
    const targetType = text(t['type']);
    const quantity = parseQuantity(targetType === 'Value' ? t['value'] : t['averageValue']);
    if (
      quantity === undefined ||
      quantity <= 0 ||
      (type === 'Pods' && targetType !== 'AverageValue')
    ) {
      report.reasons.push(
        `${field}.${type.toLowerCase()}.target: needs ${type === 'Pods' ? 'type AverageValue with' : ''} a quantity > 0 (value or averageValue)`,
      );
      return;
    }
    const metricType = targetType === 'Value' ? 'Value' : 'AverageValue';
    const name = triggerName(metricName, names);
    // With no series the adapter answers the HPA with no value and the HPA holds its replicas;
    // ignoreNullValues: "false" makes an empty result an error here too, not a 0 that scales in.
    const metadata = {
      scalerAddress,
      source,
      query,
      threshold: numberText(quantity),
      ignoreNullValues: 'false',
    };
    // The HPA read the adapter's metric by its own name; KEDA's HPA reads s<trigger index>-<the
    // name GetMetricSpec gives> (pkg/scalers/external_scaler.go): dashboards and alerts follow.
    const after = `s${triggers.length}-${metricNameOf(parseTrigger(metadata), source)}`;
    hpaMetrics.push({ trigger: field, before: metricName, after });
    triggers.push({ type: 'external', name, metricType, metadata });
    checks.push({
      object: report.object,
      namespace: ns,
      trigger: name,
      original: { query: rendered, read: 'sum', ignoreNullValues: true },
      converted: metadata,
      metricType,
      threshold: quantity,
      podsMetric: type === 'Pods',
      minReplicas: typeof spec['minReplicas'] === 'number' ? spec['minReplicas'] : 1,
      maxReplicas: typeof spec['maxReplicas'] === 'number' ? spec['maxReplicas'] : 1,
      tolerances: behaviorTolerances(spec['behavior']),
    });
    report.changes.push(
      `${field}: ${type} metric ${metricName} (${rule.at}, series ${series}) → trigger ${name}, ${metricType} ${numberText(quantity)}`,
      `${field}: HPA metric ${metricName} → ${after} (update dashboards and alerts that read it)`,
    );
    if (type === 'Pods') {
      report.warnings.push(
        `${field}: the HPA averaged over pods that have a sample and counted missing or not-ready pods conservatively; a KEDA AverageValue divides the total by all current replicas: the same only while every pod reports and is ready`,
      );
    }
  });
  if (triggers.length === 0 && report.reasons.length === 0)
    report.reasons.push('spec.metrics: none');
  if (report.reasons.length > 0) {
    report.outcome = 'cannot-move';
    report.changes = [];
    return { report, body: undefined, rulesUsed, apis, checks: [] };
  }
  const behavior = spec['behavior'];
  const body: Json = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: hpa.name,
      namespace: ns,
      annotations: { [TRANSFER_ANNOTATION]: 'true' },
    },
    spec: {
      scaleTargetRef: {
        ...(target['apiVersion'] === undefined ? {} : { apiVersion: target['apiVersion'] }),
        ...(target['kind'] === undefined ? {} : { kind: target['kind'] }),
        name: target['name'],
      },
      minReplicaCount: typeof spec['minReplicas'] === 'number' ? spec['minReplicas'] : 1,
      maxReplicaCount: spec['maxReplicas'],
      advanced: {
        horizontalPodAutoscalerConfig: {
          name: hpa.name,
          ...(behavior === undefined ? {} : { behavior }),
        },
      },
      triggers,
    },
  };
  if (hpaMetrics.length > 0) report.hpaMetrics = hpaMetrics;
  report.changes.unshift(
    `taken over by ScaledObject ${ns}/${hpa.name} (${TRANSFER_ANNOTATION}: "true", advanced.horizontalPodAutoscalerConfig.name ${hpa.name}); minReplicas, maxReplicas${behavior === undefined ? '' : ' and behavior'} kept`,
  );
  return { report, body, rulesUsed, apis, checks };
}
