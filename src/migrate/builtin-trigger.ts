// A ScaledObject or ScaledJob with KEDA's built-in `prometheus` triggers → the same object with
// `external` (or `external-push`) triggers on this scaler: serverAddress and credentials become a
// named source, keys KEDA ignored are removed and reported, everything else stays (trigger names,
// so scalingModifiers formulas keep working; fallback, metricType, advanced). All or nothing.
import { isScalerError } from '../errors';
import {
  AUTH_KEYS,
  BUILTIN_SAME_KEYS,
  KEDA_OWN_KEYS,
  LEGACY_KEYS,
  TRIGGER_KEYS,
  parseTrigger,
} from '../metadata/parse-trigger';
import type { TriggerSpec } from '../metadata/parse-trigger';
import { didYouMean } from '../util/did-you-mean';
import { clip } from '../util/echo';
import { urlProblem } from '../util/url-rules';
import { DIFFERENCES, differencesMet } from './differences';
import type { InputObject, Json } from './manifests';
import { isMap, objectName } from './manifests';
import type { HpaMetricRename, ObjectReport } from './report';
import type { SourcePlanner } from './source-plan';
import type { AuthPlan } from './trigger-auth';
import { planAuth, text } from './trigger-auth';
import type { VerifyCheck } from './verify-plan';
import { behaviorTolerances } from './verify-plan';

/** The metric name GetMetricSpec gives a parsed trigger on a source (core/metric-name.ts). */
export type MetricNamer = (spec: TriggerSpec, source: string) => string;

export interface BuiltinOptions {
  /** The scaler's gRPC address as KEDA dials it (`scalerAddress`). */
  scalerAddress: string;
  /** `external-push` instead of `external` (StreamIsActive: activation pushed, not polled). */
  push: boolean;
  /** The server's own naming, given by the command (migrate may not depend on core). */
  metricName: MetricNamer;
}

/** Keys of the built-in trigger that stay in the external trigger's metadata as they are. */
const KEPT: ReadonlySet<string> = new Set(BUILTIN_SAME_KEYS);

/** Finds a TriggerAuthentication (namespaced) or ClusterTriggerAuthentication among the inputs. */
export type AuthLookup = (kind: string, namespace: string, name: string) => InputObject | undefined;

interface TriggerPlan {
  index: number;
  trigger: Json;
  metadata: Record<string, string>;
  url: string;
  auth: AuthPlan;
  insecure: boolean;
  /** The trigger as the server parses it; undefined only when it cannot move. */
  spec: TriggerSpec | undefined;
}

/** True when the object has a built-in prometheus trigger to convert. */
export function hasBuiltinTrigger(o: InputObject): boolean {
  const spec = o.body['spec'];
  return (
    isMap(spec) &&
    Array.isArray(spec['triggers']) &&
    spec['triggers'].some(t => isMap(t) && t['type'] === 'prometheus')
  );
}

/**
 * Converts one object. On success the report says `converted` and `body` is the new object;
 * otherwise `cannot-move` with every reason, and the object is to pass through unchanged.
 */
export function convertBuiltin(
  o: InputObject,
  findAuth: AuthLookup,
  planner: SourcePlanner,
  options: BuiltinOptions,
): { report: ObjectReport; body: Json | undefined; checks: VerifyCheck[] } {
  const report: ObjectReport = {
    object: objectName(o),
    origin: o.origin,
    outcome: 'converted',
    changes: [],
    warnings: [],
    reasons: [],
  };
  const body = structuredClone(o.body);
  const spec = body['spec'] as Json;
  const triggers = spec['triggers'] as unknown[];
  const plans: TriggerPlan[] = [];
  for (const [index, trigger] of triggers.entries()) {
    if (!isMap(trigger) || trigger['type'] !== 'prometheus') continue;
    const plan = planTrigger(o, index, trigger, findAuth, report);
    if (plan !== undefined) plans.push(plan);
  }
  for (const p of plans) {
    const refused = planner.refusal(p.url, p.auth, p.insecure, o.namespace);
    if (refused !== undefined) report.reasons.push(`spec.triggers[${p.index}]: ${refused}`);
  }
  if (report.reasons.length > 0) {
    report.outcome = 'cannot-move';
    // Nothing of it is written changed, so nothing is reported as changed.
    report.changes = [];
    return { report, body: undefined, checks: [] };
  }
  // Every trigger can move: only now are sources taken (all or nothing per object).
  const checks: VerifyCheck[] = [];
  const hpaMetrics: HpaMetricRename[] = [];
  const whole = (v: unknown, fallback: number) =>
    typeof v === 'number' && Number.isInteger(v) ? v : fallback;
  for (const p of plans) {
    const field = `spec.triggers[${p.index}]`;
    const source = planner.use(p.url, p.auth, p.insecure, o.namespace, report.object);
    const type = options.push ? 'external-push' : 'external';
    p.trigger['type'] = type;
    const metadata = { scalerAddress: options.scalerAddress, source, ...p.metadata };
    p.trigger['metadata'] = metadata;
    // KEDA's defaults (apis/keda/v1alpha1): minReplicaCount 0, maxReplicaCount 100.
    checks.push({
      object: report.object,
      namespace: o.namespace,
      trigger: typeof p.trigger['name'] === 'string' ? p.trigger['name'] : `trigger${p.index}`,
      original: {
        query: p.metadata['query'] ?? '',
        read: 'builtin',
        ignoreNullValues: !/^(0|f|false)$/i.test(p.metadata['ignoreNullValues']?.trim() ?? 'true'),
      },
      converted: metadata,
      metricType: p.trigger['metricType'] === 'Value' ? 'Value' : 'AverageValue',
      threshold: Number(p.metadata['threshold']),
      podsMetric: false,
      minReplicas: Math.max(1, whole(spec['minReplicaCount'], 0)),
      maxReplicas: whole(spec['maxReplicaCount'], 100),
      tolerances: behaviorTolerances(
        isMap(spec['advanced']) && isMap(spec['advanced']['horizontalPodAutoscalerConfig'])
          ? spec['advanced']['horizontalPodAutoscalerConfig']['behavior']
          : undefined,
      ),
    });
    report.changes.push(
      `${field}: type prometheus → ${type}, serverAddress → source ${source}, scalerAddress ${options.scalerAddress}`,
    );
    report.warnings.push(...timeoutWarnings(field, p.spec, source, planner.timeoutMsOf(source)));
    if (o.kind === 'ScaledObject' && p.spec !== undefined) {
      // KEDA names each HPA metric s<trigger index>-<name>: `prometheus` for the built-in trigger
      // (pkg/scalers/prometheus_scaler.go GetMetricSpecForScaling), the name GetMetricSpec
      // returns for an external one (pkg/scalers/external_scaler.go). ScaledJobs have no HPA.
      const before = `s${p.index}-prometheus`;
      const after = `s${p.index}-${options.metricName(p.spec, source)}`;
      hpaMetrics.push({ trigger: field, before, after });
      report.changes.push(
        `${field}: HPA metric ${before} → ${after} (update dashboards and alerts that read it)`,
      );
    }
    if ('authenticationRef' in p.trigger) {
      delete p.trigger['authenticationRef'];
      report.changes.push(
        `${field}.authenticationRef: removed; its credentials are on source ${source}`,
      );
    }
  }
  if (hpaMetrics.length > 0) report.hpaMetrics = hpaMetrics;
  return { report, body, checks };
}

/**
 * KEDA's built-in trigger sends its `timeout` and a `queryParameters` timeout= upstream; here the
 * request is shared, so it carries the source's timeout: a trigger's `timeout` bounds only its own
 * wait, and timeout= may only lower the source's (docs/multi-tenancy.md, "What is shared").
 */
function timeoutWarnings(
  field: string,
  spec: TriggerSpec | undefined,
  source: string,
  sourceMs: number,
): string[] {
  const out: string[] = [];
  const seconds = (ms: number) => `${ms / 1000}s`;
  const raise = "raise the source's timeout if the query needs longer";
  if (spec?.timeoutMs !== undefined && spec.timeoutMs > sourceMs) {
    out.push(
      `${field}.metadata.timeout: ${seconds(spec.timeoutMs)} is above source ${source}'s timeout (${seconds(sourceMs)}): the query to Prometheus gives up after the source's timeout, and the trigger's timeout only bounds its own wait; ${raise}`,
    );
  }
  if (spec?.queryTimeoutMs !== undefined && spec.queryTimeoutMs > sourceMs) {
    out.push(
      `${field}.metadata.queryParameters: timeout=${seconds(spec.queryTimeoutMs)} is above source ${source}'s timeout (${seconds(sourceMs)}): the request to Prometheus carries the source's timeout (a queryParameters timeout= may only lower it, docs/multi-tenancy.md), so Prometheus is asked for ${seconds(sourceMs)}; ${raise}`,
    );
  }
  return out;
}

/**
 * Keys the built-in trigger cannot go without (KEDA pkg/scalers/prometheus_scaler.go,
 * prometheusMetadata: serverAddress, query and threshold carry no `optional` tag).
 */
const KEDA_REQUIRED: ReadonlySet<string> = new Set(['serverAddress', 'query', 'threshold']);

/** What KEDA did when a key was misspelled as another: what `guess` was then. */
function typoEffect(guess: string, metadata: Readonly<Record<string, string>>): string {
  if (guess in metadata) return `KEDA used the "${guess}" written next to it`;
  if (KEDA_REQUIRED.has(guess))
    return `KEDA requires "${guess}" and refused the trigger without it`;
  return `KEDA ran as if "${guess}" were not set`;
}

function planTrigger(
  o: InputObject,
  index: number,
  trigger: Json,
  findAuth: AuthLookup,
  report: ObjectReport,
): TriggerPlan | undefined {
  const field = `spec.triggers[${index}]`;
  const raw = trigger['metadata'];
  if (!isMap(raw)) {
    report.reasons.push(`${field}.metadata: must be a map of strings`);
    return undefined;
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    // KEDA's CRD holds strings; an unquoted number in a file is kubectl's to refuse, read as text.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      metadata[k] = String(v);
    else report.reasons.push(`${field}.metadata.${clip(k)}: must be a string`);
  }
  const url = metadata['serverAddress']?.trim() ?? '';
  if (url === '') {
    report.reasons.push(
      `${field}.metadata.serverAddress: missing (the built-in trigger requires it)`,
    );
  } else if (urlProblem(url) !== undefined) {
    report.reasons.push(
      `${field}.metadata.serverAddress: must be an http:// or https:// URL without credentials, query or fragment`,
    );
  }

  let ta: InputObject | undefined;
  const ref = trigger['authenticationRef'];
  if (isMap(ref)) {
    const kind =
      typeof ref['kind'] === 'string' && ref['kind'] !== '' ? ref['kind'] : 'TriggerAuthentication';
    const name = text(ref['name']);
    ta = findAuth(kind, o.namespace, name);
    if (ta === undefined) {
      const where = kind === 'ClusterTriggerAuthentication' ? name : `${o.namespace}/${name}`;
      report.reasons.push(
        `${field}.authenticationRef.name: ${kind} ${where} is not in the input; pass it too (kubectl get ${kind.toLowerCase()} ${kind === 'ClusterTriggerAuthentication' ? '' : `-n ${o.namespace} `}${name} -o yaml)`,
      );
    }
  }
  for (const key of Object.keys(metadata)) {
    if (key.endsWith('FromEnv') || key.endsWith('FromEnvFile')) {
      report.reasons.push(
        `${field}.metadata.${clip(key)}: read from the target container's environment, which the scaler cannot see; put the credential in a Secret and a TriggerAuthentication`,
      );
    }
  }
  if (report.reasons.length > 0) return undefined;
  const auth = planAuth(metadata, ta);
  report.reasons.push(...auth.cannotMove.map(r => `${field}: ${r}`));
  report.warnings.push(...auth.warnings.map(w => `${field}: ${w}`));

  const kept: Record<string, string> = {};
  let insecure = false;
  const known: readonly string[] = [...TRIGGER_KEYS, ...KEDA_OWN_KEYS];
  for (const [key, value] of Object.entries(metadata)) {
    const at = `${field}.metadata.${clip(key)}`;
    if (KEPT.has(key)) kept[key] = value;
    else if (key === 'serverAddress') continue;
    else if (key === 'unsafeSsl') {
      // KEDA reads it into the TLS config of its HTTP client, which an http:// URL never uses:
      // no source of its own for a setting that does nothing.
      const wanted = /^(1|t|true)$/i.test(value.trim());
      insecure = wanted && /^https:/i.test(url);
      report.changes.push(
        `${at}: removed${insecure ? `; ${DIFFERENCES.unsafeSsl}` : wanted ? '; ignored: serverAddress is http://, where KEDA ignored it too (there is no TLS to verify)' : ''}`,
      );
    } else if (AUTH_KEYS.has(key)) {
      report.changes.push(`${at}: moved to the source`);
    } else if (LEGACY_KEYS[key] !== undefined) {
      report.changes.push(`${at}: removed; ${LEGACY_KEYS[key]}`);
    } else if (key === 'metricName') {
      report.changes.push(
        `${at}: removed; KEDA ignores it since v2.12 and names the metric s${index}-prometheus (keeping it would rename the HPA metric here)`,
      );
    } else {
      // One line per key: a change when nothing was meant by it, a warning when the user likely
      // meant something KEDA never applied (a misspelling, metricType in the wrong place).
      const guess = key === 'metricType' ? undefined : didYouMean(key, known);
      if (key === 'metricType') {
        report.warnings.push(
          `${at}: removed; KEDA ignores metricType in metadata; it is a field of the trigger (next to type). Check the HPA metric type you meant`,
        );
      } else if (guess !== undefined) {
        report.warnings.push(
          `${at}: removed; KEDA ignored it (did you mean "${guess}"? ${typoEffect(guess, metadata)})`,
        );
      } else {
        report.changes.push(`${at}: removed; KEDA ignored this unknown key`);
      }
    }
  }
  for (const d of differencesMet(kept)) report.warnings.push(`${field}: ${d}`);
  let spec: TriggerSpec | undefined;
  try {
    spec = parseTrigger({ ...kept, source: 'migrated' });
  } catch (e) {
    if (!isScalerError(e)) throw e;
    const threshold = Number(kept['threshold']);
    report.reasons.push(
      Number.isFinite(threshold) && threshold <= 0
        ? `${field}.metadata.threshold: ${DIFFERENCES.threshold}`
        : `${field}.metadata: ${e.message}`,
    );
  }
  return { index, trigger, metadata: kept, url, auth, insecure, spec };
}
