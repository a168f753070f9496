// `migrate --verify`: for every converted trigger, the original (KEDA's built-in reading of its
// query, or prometheus-adapter's per-object values as the HPA combines them) and the converted
// trigger (this scaler's parser, source and reducer) evaluated at the same instant against the live
// Prometheus, with both HPA decisions from `check`'s engine (simulate/explain-hpa.ts).
import type { Core } from '../core/create-core';
import type { ServerConfig } from '../config/schema';
import { isScalerError } from '../errors';
import type { VerifyCheck } from '../migrate/verify-plan';
import type { QueryResult } from '../prometheus/decode-response';
import { RANGE_VECTOR_MESSAGE } from '../prometheus/decode-response';
import { reduceResult } from '../core/reduce-result';
import { explainHpa } from '../simulate/explain-hpa';
import type { KubernetesVersion, Tolerances } from '../simulate/hpa-model';
import { releaseRules, tolerancesFor, withBehaviorDefaults } from '../simulate/hpa-model';
import { UsageError } from './command-args';
import type { SourcesGiven } from './local-source';
import { localizeTrigger } from './local-source';

/**
 * Two values agree when they differ by at most this fraction of the larger (or by
 * {@link ABSOLUTE_TOLERANCE} near 0). Both queries run at one evaluation time, so on the same data
 * they differ only by floating-point summation order; 1e-9 leaves room for that and nothing else.
 * docs/migrate.md, "Proof before the switch".
 */
const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-12;

export interface VerifyRow {
  object: string;
  trigger: string;
  /** A number, or the error either side ran into. */
  original: number | string;
  converted: number | string;
  /** The replica count both decisions start from. */
  replicas: number;
  /** The HPA's tolerances both decisions are made with. */
  tolerances: Tolerances;
  originalDesired: number | undefined;
  convertedDesired: number | undefined;
  ok: boolean;
  /** What an agreement does not prove: both read 0 from a query that matches no series now. */
  note?: string;
}

/** Said next to an agreement on nothing. */
const EMPTY_NOTE =
  'both read 0 because the query matches no series now: this proves nothing about the values under load; `check --scaledobject FILE` diagnoses why it is empty';

/** KEDA's built-in reading of a result (KEDA pkg/scalers/prometheus_scaler.go, ExecutePromQuery). */
function builtinReading(result: QueryResult, ignoreNullValues: boolean): number | string {
  if (result.kind === 'scalar') return 'KEDA fails on a scalar result';
  if (result.samples.length > 1) return 'KEDA fails: the query returned multiple elements';
  const only = result.samples[0];
  if (only === undefined || !Number.isFinite(only)) {
    return ignoreNullValues ? 0 : 'KEDA fails: empty or non-finite result';
  }
  return only;
}

/**
 * KEDA's built-in reading of a range vector (matrix): its result entries carry `values`, not the
 * `value` it reads, so one series reads as an empty value: 0 with ignoreNullValues, else an error
 * (pkg/scalers/prometheus_scaler.go, ExecutePromQuery); several are "multiple elements".
 */
function builtinRangeReading(ignoreNullValues: boolean): number | string {
  return ignoreNullValues ? 0 : 'KEDA fails: a range vector has no instant value';
}

function agree(a: number, b: number): boolean {
  return (
    Math.abs(a - b) <=
    Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)))
  );
}

/**
 * The tolerances the HPA decides with: the behavior's own (scaleUp/scaleDown.tolerance) where the
 * release honours them, else kube-controller-manager's --horizontal-pod-autoscaler-tolerance
 * (k8s pkg/controller/podautoscaler/horizontal.go, tolerancesForHpa).
 */
function hpaTolerancesOf(
  check: VerifyCheck,
  k8s: KubernetesVersion,
  controllerTolerance: number,
): Tolerances {
  const { scaleUp, scaleDown } = check.tolerances;
  const behavior =
    scaleUp === undefined && scaleDown === undefined
      ? undefined
      : withBehaviorDefaults({
          scaleUp: { tolerance: scaleUp },
          scaleDown: { tolerance: scaleDown },
        });
  return tolerancesFor(behavior, controllerTolerance, releaseRules(k8s));
}

const errorText = (e: unknown): string => (isScalerError(e) ? e.message : String(e));

export async function verifyChecks(
  core: Core,
  config: ServerConfig,
  given: SourcesGiven,
  checks: readonly VerifyCheck[],
  options: { replicas: number; k8s: KubernetesVersion; controllerTolerance: number },
): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const check of checks) {
    const tolerances = hpaTolerancesOf(check, options.k8s, options.controllerTolerance);
    const row: VerifyRow = {
      object: check.object,
      trigger: check.trigger,
      original: 'not evaluated',
      converted: 'not evaluated',
      replicas: options.replicas,
      tolerances,
      originalDesired: undefined,
      convertedDesired: undefined,
      ok: false,
    };
    rows.push(row);
    let trigger;
    try {
      const localized = localizeTrigger(check.converted, config, given);
      // With the object's namespace, as serve resolves KEDA's call: a source limited to other
      // namespaces answers PERMISSION_DENIED here as it would there.
      trigger = core.resolver.resolve(localized.metadata, check.namespace);
    } catch (e) {
      if (!(e instanceof UsageError) && !isScalerError(e)) throw e;
      row.converted = (e as Error).message;
      continue;
    }
    const { spec, source } = trigger;
    // One instant for both, so that a moving counter cannot make them differ.
    const timeMs = Date.now();
    const ask = (query: string) =>
      core.gateway.query(
        source,
        {
          query,
          timeMs,
          timeoutMs: spec.timeoutMs ?? source.defaultTimeoutMs,
          namespace: spec.namespace,
          queryParameters: spec.queryParameters,
          customHeaders: spec.customHeaders,
          method: spec.httpMethod,
        },
        'migrate-verify',
        new AbortController().signal,
      );
    try {
      const original = await ask(check.original.query);
      if (check.original.read === 'builtin') {
        row.original = builtinReading(original, check.original.ignoreNullValues);
        if (original.kind === 'vector' && original.samples.length === 0) row.note = EMPTY_NOTE;
      } else {
        const samples = original.kind === 'scalar' ? [original.value] : original.samples;
        // No series: the adapter answers the HPA with no value (its metric is missing), where
        // the converted trigger reads 0; a rule chosen for a series that does not exist shows so.
        row.original =
          samples.length === 0
            ? "no series: prometheus-adapter serves no value, so the HPA's metric is missing"
            : samples.filter(Number.isFinite).reduce((a, b) => a + b, 0);
        // A Pods metric: the HPA's replicas are the pods the adapter has a value for.
        if (check.podsMetric) row.replicas = Math.max(1, samples.length);
      }
    } catch (e) {
      row.original =
        check.original.read === 'builtin' && isScalerError(e) && e.message === RANGE_VECTOR_MESSAGE
          ? builtinRangeReading(check.original.ignoreNullValues)
          : errorText(e);
    }
    try {
      row.converted = reduceResult(await ask(spec.query), spec);
    } catch (e) {
      row.converted = errorText(e);
    }
    const decide = (value: number | string) =>
      typeof value === 'number'
        ? explainHpa(
            check.metricType,
            Math.max(0, value),
            check.threshold,
            row.replicas,
            check.minReplicas,
            check.maxReplicas,
            tolerances,
            options.k8s,
          ).desired
        : undefined;
    row.originalDesired = decide(row.original);
    row.convertedDesired = decide(row.converted);
    row.ok =
      typeof row.original === 'number' &&
      typeof row.converted === 'number' &&
      agree(row.original, row.converted) &&
      row.originalDesired === row.convertedDesired;
    // The note explains a 0 = 0 agreement only; a difference speaks for itself.
    if (!row.ok) delete row.note;
  }
  return rows;
}

const toleranceText = (t: Tolerances): string =>
  t.scaleUp === t.scaleDown ? String(t.scaleUp) : `up ${t.scaleUp}, down ${t.scaleDown}`;

/** The side-by-side table for the report. */
export function verifyText(rows: readonly VerifyRow[]): string {
  const lines = ['', 'Verify (original vs converted, same instant; HPA desired replicas):'];
  for (const r of rows) {
    const show = (v: number | string) => (typeof v === 'number' ? String(v) : `error: ${v}`);
    lines.push(
      `  ${r.ok ? 'ok  ' : 'DIFF'} ${r.object}, trigger ${r.trigger}: ${show(r.original)} vs ${show(r.converted)}; ` +
        `at ${r.replicas} replica(s) desired ${r.originalDesired ?? '-'} vs ${r.convertedDesired ?? '-'}` +
        ` (tolerance ${toleranceText(r.tolerances)})`,
    );
    if (r.note !== undefined) lines.push(`       note: ${r.note}`);
  }
  return `${lines.join('\n')}\n`;
}
