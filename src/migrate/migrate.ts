// `migrate` without its command line: input objects → the converted YAML stream, the sources for
// the scaler configuration and the report. Objects it does not convert pass through unchanged.
import { stringify } from 'yaml';
import type { BuiltinOptions } from './builtin-trigger';
import { convertBuiltin, hasBuiltinTrigger } from './builtin-trigger';
import type { InputObject, Json } from './manifests';
import { objectName } from './manifests';
import type { MigrateReport } from './report';
import { emptyReport, summarize } from './report';
import { SourcePlanner } from './source-plan';

export interface MigrateOptions extends BuiltinOptions {
  /** The scaler's namespace: where the Secrets its sources read must be. */
  scalerNamespace: string;
  /** Sources of an existing configuration (--config): reused by URL. */
  existingSources: readonly { name: string; url: string }[];
}

export interface MigrateResult {
  /** Every object, converted or not, in input order. */
  objects: Json[];
  /** The `sources:` entries for the scaler configuration. */
  sources: Json[];
  report: MigrateReport;
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

  const objects: Json[] = [];
  for (const o of inputs) {
    const isKedaScaler =
      o.group === 'keda.sh' && (o.kind === 'ScaledObject' || o.kind === 'ScaledJob');
    if (isKedaScaler && hasBuiltinTrigger(o)) {
      const { report: r, body } = convertBuiltin(o, findAuth, planner, options);
      report.objects.push(r);
      objects.push(body ?? o.body);
      continue;
    }
    // A Secret given along (kubectl get secret -o yaml) is never written: its values are secrets.
    const isSecret = o.group === '' && o.kind === 'Secret';
    if (!isSecret) objects.push(o.body);
    report.objects.push({
      object: objectName(o),
      origin: o.origin,
      outcome: 'unchanged',
      changes: [],
      warnings: [],
      reasons: [passReason(o, isKedaScaler)],
    });
  }
  const planned = planner.finish();
  report.sources = planned.reports;
  report.secrets = planned.secrets;
  return { objects, sources: planned.sources, report: summarize(report) };
}

function passReason(o: InputObject, isKedaScaler: boolean): string {
  if (o.group === '' && o.kind === 'Secret')
    return 'not written: migrate never writes secret values';
  if (isKedaScaler) return 'no trigger of type prometheus';
  if (o.kind === 'TriggerAuthentication' || o.kind === 'ClusterTriggerAuthentication') {
    return 'read for its parameters; delete it once no trigger uses it';
  }
  return 'not an object migrate converts';
}
