// Replays the triggers' series through a model of KEDA (polling, activation, cooldown, fallback,
// scalingModifiers; pkg/scaling/scale_handler.go, executor/scale_scaledobjects.go,
// pkg/fallback/fallback.go, pkg/scaling/modifiers/formula.go) and the HPA (hpa-model.ts).
// Times are unix seconds.
import type { Formula } from './formula';
import { FormulaError } from './formula';
import type { BehaviorInput, HpaMetric, KubernetesVersion, MetricType } from './hpa-model';
import { HpaModel } from './hpa-model';
import type { KedaRules, KedaVersion } from './keda-release';
import { DEFAULT_KEDA_VERSION, behaviorAsStored, kedaMilli, kedaRules } from './keda-release';

/** One reading of a trigger's query; `value: null` means the query failed (an error or a gap). */
export interface Sample {
  timestamp: number;
  value: number | null;
  /** No series at this time (the query matched nothing): KEDA reads `value`, a chart a gap. */
  empty?: true;
}

interface TriggerModel {
  /** The trigger's `name` (the formula refers to it), or `trigger<N>` when it has none. */
  name: string;
  metricType: MetricType;
  threshold: number;
  activationThreshold: number;
}

export interface ScalingModifiersModel {
  formula: Formula;
  /** `target`, parsed as a float (KEDA: strconv.ParseFloat). */
  target: number;
  /** The text of `target`: fallback needs it to be a whole number (HasValidFallback). */
  targetText: string;
  activationTarget: number;
  metricType: MetricType;
}

export type FallbackBehavior =
  | 'static'
  | 'currentReplicas'
  | 'currentReplicasIfHigher'
  | 'currentReplicasIfLower'
  | 'scalingModifiers';

export interface FallbackModel {
  failureThreshold: number;
  replicas: number;
  behavior: FallbackBehavior;
}

/** The ScaledObject's own fields the model reads, with KEDA's defaults applied. */
export interface ScaledObjectFields {
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
  initialCooldownPeriodSeconds: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount: number | undefined;
  fallback: FallbackModel | undefined;
  behavior: BehaviorInput | undefined;
  /**
   * metadata.creationTimestamp (unix seconds), when the file has it: KEDA counts
   * initialCooldownPeriod from it (executor checkScaleTargetActive), not from the replay's start.
   */
  createdAt?: number;
  /** The autoscaling.keda.sh/force-activation annotation, as KEDA reads it (v2.18+). */
  forceActivation?: boolean;
}

export interface ScaledObjectModel extends ScaledObjectFields {
  triggers: TriggerModel[];
  scalingModifiers: ScalingModifiersModel | undefined;
}

export interface SimulationOptions {
  /** kube-controller-manager's --horizontal-pod-autoscaler-sync-period (default 15 s). */
  hpaSyncSeconds?: number;
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance?: number;
  kubernetesVersion?: KubernetesVersion;
  /** The KEDA release whose rules apply (keda-release.ts); default the newest. */
  kedaVersion?: KedaVersion;
  /** Replicas at the start; default: minReplicaCount (0 starts idle). */
  initialReplicas?: number;
}

export interface SimulationRow {
  timestamp: number;
  /** Each trigger's reading at this time, by trigger order (null: the query failed). */
  values: (number | null)[];
  /** The scalingModifiers composite value, when the ScaledObject has a formula. */
  composite?: number | null;
  active: boolean;
  /** Triggers whose query failed at this step. */
  failed: string[];
  /** Triggers served by KEDA's fallback at this step. */
  fallback: string[];
  /** What the deciding component wanted at this step (KEDA's poll or the HPA's sync). */
  desiredReplicas: number;
  /** Replicas after this step. */
  replicas: number;
  /** Which component acted: `keda` (poll) or `hpa` (sync). */
  by: 'keda' | 'hpa';
  /**
   * Triggers with no series at this step: before their series' first sample, or an empty
   * result. KEDA saw `values` (0 by ignoreNullValues); a chart draws a gap, not a real 0.
   */
  noSeries?: string[];
}

/** One trigger as KEDA hands it on after GetMetricsWithFallback. */
interface TriggerResult {
  /** The metric in milli-units, or undefined on error. */
  milli: number | undefined;
  active: boolean;
  error: boolean;
  fallbackActive: boolean;
  /** The formula sees nil for this trigger (fallback behavior scalingModifiers). */
  nil: boolean;
}

/**
 * KEDA and the HPA for one ScaledObject, stepped by the caller: `simulate` steps it over recorded
 * series, the demo steps it in real time with values read over gRPC.
 */
export class ScalingModel {
  private readonly hpa: HpaModel;
  /** status.health[metric].numberOfFailures, per trigger (or per composite input). */
  private readonly failures: number[];
  private lastActive: number | undefined;
  private readonly createdAt: number;
  private readonly keda: KedaRules;
  replicas: number;

  constructor(
    private readonly so: ScaledObjectModel,
    startSeconds: number,
    options: SimulationOptions = {},
  ) {
    const sm = so.scalingModifiers;
    const keda = kedaRules(options.kedaVersion ?? DEFAULT_KEDA_VERSION);
    this.keda = keda;
    // The HPA KEDA creates (controllers/keda/hpa.go): minReplicas = max(minReplicaCount, 1);
    // one external metric per trigger, or the single composite metric whose target is
    // NewMilliQuantity(int64(target × 1000)).
    const metrics: HpaMetric[] =
      sm === undefined
        ? so.triggers.map(t => ({
            metricType: t.metricType,
            targetMilli: kedaMilli(t.threshold, keda),
          }))
        : [{ metricType: sm.metricType, targetMilli: Math.trunc(sm.target * 1000) }];
    this.hpa = new HpaModel({
      minReplicas: Math.max(so.minReplicaCount, 1),
      maxReplicas: so.maxReplicaCount,
      metrics,
      behavior: behaviorAsStored(so.behavior, keda),
      ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
      ...(options.kubernetesVersion === undefined
        ? {}
        : { kubernetesVersion: options.kubernetesVersion }),
    });
    this.failures = so.triggers.map(() => 0);
    this.replicas = options.initialReplicas ?? so.minReplicaCount;
    this.createdAt = so.createdAt ?? startSeconds;
  }

  /** fallback.HasValidFallback: with scalingModifiers, `target` must be a whole number > 0. */
  private fallbackUsable(): boolean {
    const f = this.so.fallback;
    if (f === undefined) return false;
    const sm = this.so.scalingModifiers;
    if (sm === undefined) return true;
    return /^[+-]?\d+$/.test(sm.targetText) && Number(sm.targetText) > 0;
  }

  /**
   * fallback.GetMetricsWithFallback for trigger `i`: a success resets its failure count; a
   * failure counts (the poll and every HPA request alike), and past failureThreshold (strictly)
   * the fallback value stands in: target × replicas in milli-units (doFallback), divided by ready
   * pods for Value, or nil for the formula with behavior scalingModifiers.
   */
  private fetch(i: number, raw: number | null): TriggerResult {
    const t = this.so.triggers[i] as TriggerModel;
    if (raw !== null) {
      this.failures[i] = 0;
      return {
        milli: kedaMilli(raw, this.keda),
        // The external scaler's IsActive: the raw value against activationThreshold.
        active: raw > t.activationThreshold,
        error: false,
        fallbackActive: false,
        nil: false,
      };
    }
    const failed = {
      milli: undefined,
      active: false,
      error: true,
      fallbackActive: false,
      nil: false,
    };
    const f = this.so.fallback;
    if (f === undefined || !this.fallbackUsable()) return failed;
    this.failures[i] = (this.failures[i] ?? 0) + 1;
    if ((this.failures[i] ?? 0) <= f.failureThreshold) return failed;
    if (f.behavior === 'scalingModifiers')
      return { milli: -1000, active: false, error: false, fallbackActive: false, nil: true };
    const current = this.replicas;
    let replicas: number;
    switch (f.behavior) {
      case 'currentReplicas':
        replicas = current;
        break;
      case 'currentReplicasIfHigher':
        replicas = Math.max(current, f.replicas);
        break;
      case 'currentReplicasIfLower':
        replicas = Math.min(current, f.replicas);
        break;
      case 'static':
        replicas = f.replicas;
    }
    const sm = this.so.scalingModifiers;
    const metricType = sm?.metricType ?? t.metricType;
    if (metricType === 'Value') {
      // Ready pods are the current replicas; with none, doFallback fails ("readyReplicas is zero").
      if (current === 0) return failed;
      replicas /= current;
    }
    // The target as the HPA object holds it (AsApproximateFloat64 of the quantity).
    const target = sm === undefined ? kedaMilli(t.threshold, this.keda) / 1000 : sm.target;
    return {
      milli: Math.trunc(target * 1000 * replicas),
      active: true,
      error: false,
      fallbackActive: true,
      nil: false,
    };
  }

  /**
   * HandleScalingModifiers: with a fallback active, its value stands for the composite; otherwise
   * the formula over the triggers' values by name (AsApproximateFloat64 of each quantity; nil for
   * an exhausted trigger under behavior scalingModifiers), stored with SetMilli(int64(out × 1000)).
   * A nil result is fallback.replicas × target. Undefined: no metric (the formula failed).
   */
  private composite(results: TriggerResult[]): number | undefined {
    const sm = this.so.scalingModifiers as ScalingModifiersModel;
    const fb = results.find(r => r.fallbackActive);
    if (fb !== undefined) return fb.milli;
    const env: Record<string, number | null> = {};
    this.so.triggers.forEach((t, i) => {
      const r = results[i] as TriggerResult;
      if (r.milli !== undefined) env[t.name] = r.nil ? null : r.milli / 1000;
    });
    let out: number | null;
    try {
      out = sm.formula.evaluate(env);
    } catch (e) {
      if (e instanceof FormulaError) return undefined;
      throw e;
    }
    if (out === null) {
      if (this.so.fallback === undefined) return undefined;
      out = this.so.fallback.replicas * sm.target;
    }
    // A division by zero gives ±Inf or NaN; KEDA then stores int64(out × 1000), which Go leaves to
    // the CPU (on amd64 the most negative int64). No replica count can be promised: no metric.
    if (!Number.isFinite(out)) return undefined;
    return Math.trunc(out * 1000);
  }

  /** One output row, with the failed and fallback triggers marked. */
  private row(
    t: number,
    raws: (number | null)[],
    results: TriggerResult[],
    composite: number | null | undefined,
    step: Pick<SimulationRow, 'active' | 'desiredReplicas' | 'by'>,
  ): SimulationRow {
    const names = this.so.triggers.map(x => x.name);
    return {
      timestamp: t,
      values: raws,
      ...(composite === undefined ? {} : { composite }),
      active: step.active,
      failed: names.filter((_, i) => raws[i] === null),
      fallback: names.filter(
        (_, i) => results[i]?.fallbackActive === true || results[i]?.nil === true,
      ),
      desiredReplicas: step.desiredReplicas,
      replicas: this.replicas,
      by: step.by,
    };
  }

  /**
   * KEDA's poll (checkScalers → getScaledObjectState → RequestScale) with each trigger's reading.
   * `activeOverride` replaces the computed activity (the demo passes IsActive from the scaler).
   */
  poll(t: number, raws: (number | null)[], activeOverride?: boolean): SimulationRow {
    const so = this.so;
    const results = raws.map((raw, i) => this.fetch(i, raw));
    const isError = results.some(r => r.error);
    let active = results.some(r => r.active && !r.error);
    let composite: number | null | undefined;
    if (so.scalingModifiers !== undefined) {
      // With a formula, activity is the composite value against activationTarget, and false
      // whenever a trigger is in error.
      const milli = isError ? undefined : this.composite(results);
      composite = milli === undefined ? null : milli / 1000;
      active =
        !isError && milli !== undefined && milli / 1000 > so.scalingModifiers.activationTarget;
    }
    if (activeOverride !== undefined) active = activeOverride;
    // RequestScale: `isActive || scaledObject.NeedToForceActivation()` (v2.18+).
    if (this.keda.forceActivation && so.forceActivation === true) active = true;
    const desired = this.requestScale(t, active, isError);
    this.replicas = desired;
    return this.row(t, raws, results, composite, { active, desiredReplicas: desired, by: 'keda' });
  }

  /** executor.RequestScale: the replica count KEDA sets (or the current one). */
  private requestScale(t: number, active: boolean, isError: boolean): number {
    const so = this.so;
    const current = this.replicas;
    const min = so.minReplicaCount;
    const idle = so.idleReplicaCount;
    if (active) {
      if ((idle !== undefined && current < min) || current === 0) {
        this.lastActive = t; // scaleFromZeroOrIdle
        return Math.max(min, 1);
      }
      if (!isError) this.lastActive = t; // PartialTriggerError leaves lastActiveTime alone
      return current;
    }
    if (isError && so.fallback !== undefined && so.fallback.replicas !== 0) return current;
    if (isError && so.fallback === undefined) return current;
    if ((idle !== undefined && current > idle) || (current > 0 && min === 0)) {
      // scaleToZeroOrIdle. Upstream compares with time.Before (strictly later); lastActiveTime
      // is stored as a metav1.Time with whole seconds, so the poll one full cooldown later is
      // already past it: `>=` here.
      const due =
        this.lastActive === undefined
          ? t >= this.createdAt + so.initialCooldownPeriodSeconds
          : t - this.lastActive >= so.cooldownPeriodSeconds;
      return due ? (idle ?? min) : current;
    }
    if (idle === undefined && current < min) return min;
    return current;
  }

  /**
   * The HPA's sync: KEDA's metrics server answers each HPA metric (GetScaledObjectMetrics, with
   * the same fallback accounting), then the controller decides. It leaves 0 alone.
   */
  sync(t: number, raws: (number | null)[]): SimulationRow {
    const so = this.so;
    // The controller asks for metrics only between its min and max (reconcileAutoscaler: at 0
    // it is disabled, outside the bounds it clamps first); unasked, no failure is counted.
    const asked =
      this.replicas >= Math.max(so.minReplicaCount, 1) && this.replicas <= so.maxReplicaCount;
    const results = raws.map((raw, i) =>
      asked
        ? this.fetch(i, raw)
        : {
            milli: undefined,
            active: false,
            error: raw === null,
            fallbackActive: false,
            nil: false,
          },
    );
    let usages: (number | undefined)[];
    let composite: number | null | undefined;
    if (so.scalingModifiers === undefined) {
      usages = results.map(r => r.milli);
    } else {
      // One composite metric: any trigger in error without an active fallback fails it.
      const anyFallback = results.some(r => r.fallbackActive);
      const failed = results.some(r => r.error) && !anyFallback;
      const milli = failed ? undefined : this.composite(results);
      usages = [milli];
      composite = milli === undefined ? null : milli / 1000;
    }
    const { desired } = this.hpa.sync(t, this.replicas, usages);
    if (this.replicas > 0) this.replicas = desired;
    const active = results.some(r => r.active);
    return this.row(t, raws, results, composite, { active, desiredReplicas: desired, by: 'hpa' });
  }
}

/** The latest sample at or before `t`, by binary search on sorted samples. */
function sampleAt(samples: Sample[], t: number): Sample | undefined {
  let lo = 0;
  let hi = samples.length - 1;
  let found: Sample | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = samples[mid] as Sample;
    if (s.timestamp <= t) {
      found = s;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Sorts by time. Samples with equal timestamps become one: the largest finite value, or a failure
 * when every one of them failed, so their order does not matter.
 */
function normalizeSeries(series: Sample[]): Sample[] {
  const byTime = new Map<number, Sample>();
  for (const s of series) {
    const seen = byTime.get(s.timestamp);
    // Empty only when every sample there is; a value wins over a failure.
    const empty = (seen === undefined || seen.empty === true) && s.empty === true;
    const value =
      seen === undefined || seen.value === null
        ? s.value
        : s.value === null
          ? seen.value
          : Math.max(seen.value, s.value);
    byTime.set(
      s.timestamp,
      empty ? { timestamp: s.timestamp, value, empty } : { timestamp: s.timestamp, value },
    );
  }
  return [...byTime.values()].sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Runs the models from the first sample to the last over one series per trigger. At a time
 * where both act, KEDA's poll comes first (it may activate from 0), then the HPA's sync. Before
 * a trigger's first sample its reading is 0, and the row names it under `noSeries`.
 */
export function simulate(
  seriesByTrigger: Sample[][],
  so: ScaledObjectModel,
  options: SimulationOptions = {},
): SimulationRow[] {
  if (seriesByTrigger.length !== so.triggers.length)
    throw new Error(
      `simulate: ${seriesByTrigger.length} series for ${so.triggers.length} triggers`,
    );
  const series = seriesByTrigger.map(normalizeSeries);
  const times = series.flatMap(s => s.map(x => x.timestamp));
  if (times.length === 0) return [];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const hpaSync = options.hpaSyncSeconds ?? 15;
  const model = new ScalingModel(so, first, options);
  const rows: SimulationRow[] = [];
  let nextPoll = first;
  let nextSync = first;
  while (Math.min(nextPoll, nextSync) <= last) {
    const t = Math.min(nextPoll, nextSync);
    const at = series.map(s => sampleAt(s, t));
    const raws = at.map(a => (a === undefined ? 0 : a.value));
    const noSeries = so.triggers
      .filter((_, i) => at[i] === undefined || at[i]?.empty === true)
      .map(x => x.name);
    const mark = (row: SimulationRow): SimulationRow =>
      noSeries.length === 0 ? row : { ...row, noSeries };
    if (t === nextPoll) {
      rows.push(mark(model.poll(t, raws)));
      nextPoll += so.pollingIntervalSeconds;
    }
    if (t === nextSync) {
      rows.push(mark(model.sync(t, raws)));
      nextSync += hpaSync;
    }
  }
  return rows;
}
