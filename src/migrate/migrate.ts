// `migrate` without its command line: input objects → the converted YAML stream, the sources for
// the scaler configuration and the report. Objects it does not convert pass through unchanged.
import { stringify } from 'yaml';
import type { ApiUse } from './adapter-hpa';
import { convertHpa, usesAdapter } from './adapter-hpa';
import type { AdapterConfig } from './adapter-rules';
import { adapterConfigText, readAdapterConfig } from './adapter-rules';
import type { BuiltinOptions } from './builtin-trigger';
import { convertBuiltin, hasBuiltinTrigger } from './builtin-trigger';
import type { InputObject, Json } from './manifests';
import { objectName } from './manifests';
import type { MigrateReport } from './report';
import { emptyReport, summarize } from './report';
import type { ExistingSource } from './source-plan';
import { SourcePlanner } from './source-plan';
import { withoutServerFields } from './server-fields';
import { NO_AUTH } from './trigger-auth';
import type { VerifyCheck } from './verify-plan';

export interface MigrateOptions extends BuiltinOptions {
  /** The scaler's namespace: where the Secrets its sources read must be. */
  scalerNamespace: string;
  /** Sources of an existing configuration (--config): reused by URL and credentials. */
  existingSources: readonly ExistingSource[];
  /** The Prometheus prometheus-adapter queries (its --prometheus-url), when given. */
  adapterPrometheusUrl: string | undefined;
}

export interface MigrateResult {
  /** Every object, converted or not, in input order. */
  objects: Json[];
  /** The `sources:` entries for the scaler configuration. */
  sources: Json[];
  report: MigrateReport;
  /** Per converted trigger: what --verify compares. */
  checks: VerifyCheck[];
}

/** The YAML stream of the objects (standard output). */
export function yamlStream(objects: readonly Json[]): string {
  return objects.map(o => stringify(o, { lineWidth: 0 })).join('---\n');
}

export function migrate(inputs: readonly InputObject[], options: MigrateOptions): MigrateResult {
  const report = emptyReport();
  const planner = new SourcePlanner(options.existingSources, options.scalerNamespace);
  const auths = new Map<string, InputObject>();
  for (const o of inputs) {
    if (o.kind === 'TriggerAuthentication') auths.set(`${o.kind}/${o.namespace}/${o.name}`, o);
    if (o.kind === 'ClusterTriggerAuthentication') auths.set(`${o.kind}//${o.name}`, o);
  }
  const findAuth = (kind: string, namespace: string, name: string) =>
    auths.get(`${kind}/${kind === 'ClusterTriggerAuthentication' ? '' : namespace}/${name}`);

  const configOf = adapterConfigs(inputs);
  const configs = [...configOf.values()];
  const workloads = inputs.filter(o => o.group === 'apps');
  const fromDeployment = adapterUrlOf(workloads);
  // The adapter's walkthrough runs Prometheus in the adapter's own pod (--prometheus-url
  // http://localhost:9090): an address the scaler's pod cannot reach the same Prometheus at.
  const podLocal =
    options.adapterPrometheusUrl === undefined &&
    fromDeployment !== undefined &&
    /^https?:\/\/(localhost|127\.[\d.]+|\[::1\])(:\d+)?(\/|$)/i.test(fromDeployment);
  const adapterUrl = options.adapterPrometheusUrl ?? (podLocal ? undefined : fromDeployment);
  const apis: ApiUse = { resource: false, custom: false, external: false };
  const rulesUsed = new Set<string>();
  const checks: VerifyCheck[] = [];

  const objects: Json[] = [];
  for (const o of inputs) {
    const isHpa = o.group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler';
    if (isHpa && /^autoscaling\/v2/.test(String(o.body['apiVersion'])) && usesAdapter(o, configs)) {
      const user = objectName(o);
      const source = adapterUrl === undefined ? '' : planner.peek(adapterUrl, NO_AUTH, false);
      const c = convertHpa(
        o,
        configs,
        workloads,
        source,
        options.scalerAddress,
        options.metricName,
      );
      if (c.body !== undefined && adapterUrl === undefined && c.checks.length > 0) {
        c.report.outcome = 'cannot-move';
        c.report.changes = [];
        c.report.reasons.push(
          podLocal
            ? `prometheus-adapter's --prometheus-url ${fromDeployment} is in its own pod, which the scaler cannot reach: pass --adapter-prometheus-url with that Prometheus's Service address`
            : "the Prometheus prometheus-adapter queries is unknown: pass --adapter-prometheus-url, or the adapter's Deployment (its --prometheus-url argument)",
        );
      }
      const refused =
        adapterUrl === undefined || c.checks.length === 0
          ? undefined
          : planner.refusal(adapterUrl, NO_AUTH, false, o.namespace);
      if (c.body !== undefined && refused !== undefined) {
        c.report.outcome = 'cannot-move';
        c.report.changes = [];
        c.report.reasons.push(refused);
      }
      report.objects.push(c.report);
      c.rulesUsed.forEach(r => rulesUsed.add(r));
      if (c.report.outcome === 'converted' && c.body !== undefined) {
        if (c.checks.length > 0 && adapterUrl !== undefined) {
          planner.use(adapterUrl, NO_AUTH, false, o.namespace, user);
        }
        objects.push(c.body);
        apis.resource ||= c.apis.resource;
        apis.custom ||= c.apis.custom;
        apis.external ||= c.apis.external;
        checks.push(...c.checks);
      } else {
        objects.push(o.body);
      }
      continue;
    }
    const isKedaScaler =
      o.group === 'keda.sh' && (o.kind === 'ScaledObject' || o.kind === 'ScaledJob');
    if (isKedaScaler && hasBuiltinTrigger(o)) {
      const { report: r, body, checks: moved } = convertBuiltin(o, findAuth, planner, options);
      report.objects.push(r);
      checks.push(...moved);
      objects.push(body ?? o.body);
      continue;
    }
    const config = configOf.get(o);
    if (config !== undefined) {
      // Rules the adapter cannot serve from cannot move; the rest of the configuration does.
      // A plain config.yaml is no Kubernetes object (no apiVersion, kind): written into the
      // stream, it would make `kubectl apply -f` of the output fail, so it is read only.
      const plain = o.kind === '';
      if (!plain) objects.push(o.body);
      report.objects.push({
        object: objectName(o),
        origin: o.origin,
        outcome: config.problems.length > 0 ? 'cannot-move' : 'unchanged',
        changes: [],
        warnings: config.warnings,
        reasons: config.problems.length > 0 ? config.problems : [passReason(o, false)],
        ...(plain ? { written: false as const } : {}),
      });
      continue;
    }
    // A Secret given along (kubectl get secret -o yaml) is never written: its values are secrets.
    const isSecret = o.group === '' && o.kind === 'Secret';
    if (!isSecret) objects.push(o.body);
    report.objects.push({
      object: objectName(o),
      origin: o.origin,
      outcome: isSecret ? 'withheld' : 'unchanged',
      changes: [],
      warnings: [],
      reasons: isSecret ? [] : [passReason(o, isKedaScaler)],
      ...(isSecret ? { written: false as const } : {}),
    });
  }
  const planned = planner.finish();
  report.sources = planned.reports;
  report.secrets = planned.secrets;
  report.fillIn = planned.fillIn;
  for (const config of configs) {
    for (const rule of config.rules) {
      if (!rulesUsed.has(rule.at)) {
        report.unusedAdapterMetrics.push(
          `${config.origin} ${rule.at}: seriesQuery ${rule.seriesQuery}${rule.as === '' ? '' : `, named ${rule.as}`}`,
        );
      }
    }
  }
  if (
    configs.length > 0 &&
    report.objects.some(
      o => o.outcome === 'converted' && o.object.startsWith('HorizontalPodAutoscaler'),
    )
  ) {
    report.cutover = cutover(apis, configs, {
      sources: planned.sources.length > 0,
      secrets: planned.secrets.length > 0,
    });
  }
  return {
    objects: objects.map(withoutServerFields),
    sources: planned.sources,
    report: summarize(report),
    checks,
  };
}

/** prometheus-adapter configurations among the inputs (ConfigMaps and plain config.yaml). */
function adapterConfigs(inputs: readonly InputObject[]): Map<InputObject, AdapterConfig> {
  const out = new Map<InputObject, AdapterConfig>();
  for (const o of inputs) {
    if (o.kind === '') out.set(o, readAdapterConfig(o.body, o.origin));
    const text = adapterConfigText(o);
    if (text !== undefined) out.set(o, readAdapterConfig(text, `${objectName(o)} (${o.origin})`));
  }
  return out;
}

/** prometheus-adapter's --prometheus-url, from its Deployment's container arguments. */
function adapterUrlOf(workloads: readonly InputObject[]): string | undefined {
  for (const w of workloads) {
    const spec = w.body['spec'] as
      { template?: { spec?: { containers?: { args?: unknown }[] } } } | undefined;
    for (const c of spec?.template?.spec?.containers ?? []) {
      const args = Array.isArray(c.args) ? c.args.map(String) : [];
      for (const [i, a] of args.entries()) {
        const m = /^--prometheus-url=(.+)$/.exec(a);
        if (m !== null) return m[1];
        if (a === '--prometheus-url' && args[i + 1] !== undefined) return args[i + 1];
      }
    }
  }
  return undefined;
}

/**
 * An order that never leaves an HPA without its metrics API: KEDA and the adapter cannot both
 * serve external.metrics.k8s.io (kubernetes-sigs/prometheus-adapter #705).
 */
function cutover(
  apis: ApiUse,
  configs: readonly AdapterConfig[],
  written: { sources: boolean; secrets: boolean },
): string[] {
  const adapterServesResources = configs.some(c => c.resourceRules !== undefined);
  const check =
    'check the converted ScaledObjects with `keda-prometheus-scaler check --scaledobject FILE`.';
  const steps = [
    written.sources
      ? `Deploy the scaler with the sources of --config-out${written.secrets ? ' (and the Secrets above)' : ''}; ${check}`
      : `No source to deploy (only cpu/memory triggers); ${check}`,
  ];
  if (apis.resource) {
    steps.push(
      adapterServesResources
        ? 'metrics.k8s.io: the cpu/memory triggers need it and the adapter serves it (resourceRules): install metrics-server and move APIService v1beta1.metrics.k8s.io to it before the adapter goes.'
        : 'metrics.k8s.io: the cpu/memory triggers need it; keep metrics-server as it is.',
    );
  }
  if (apis.external) {
    steps.push(
      "external.metrics.k8s.io: in one step, point APIService v1beta1.external.metrics.k8s.io at KEDA's metrics server and apply the ScaledObjects that replace HPAs using External metrics (the adapter and KEDA cannot both serve it).",
    );
  }
  steps.push(
    `Apply the ${apis.external ? 'other ' : ''}ScaledObjects: KEDA takes each existing HPA over (transfer-hpa-ownership) without deleting it.`,
  );
  steps.push(
    `custom.metrics.k8s.io: last, once no HPA uses a custom metric, delete APIService v1beta1.custom.metrics.k8s.io${adapterServesResources ? '' : ' and prometheus-adapter'}.`,
  );
  if (adapterServesResources) steps.push('Then remove prometheus-adapter.');
  return steps;
}

function passReason(o: InputObject, isKedaScaler: boolean): string {
  if (isKedaScaler) return 'no trigger of type prometheus';
  if (o.kind === '' || adapterConfigText(o) !== undefined) {
    return 'prometheus-adapter configuration, read; remove it at the end of the cut-over';
  }
  if (o.kind === 'HorizontalPodAutoscaler')
    return 'no metric prometheus-adapter serves (or not autoscaling/v2)';
  if (o.kind === 'TriggerAuthentication' || o.kind === 'ClusterTriggerAuthentication') {
    return 'read for its parameters; delete it once no trigger uses it';
  }
  return 'not an object migrate converts';
}
