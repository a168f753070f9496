// A model of the Kubernetes HPA controller for external metrics, rule by rule after
// kubernetes/kubernetes pkg/controller/podautoscaler (replica_calculator.go, horizontal.go) and
// the API server's defaults (pkg/apis/autoscaling/v2/defaults.go), per release. Times are
// seconds; metric values reach it in milli-units, as the HPA reads them.

export type MetricType = 'AverageValue' | 'Value';
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** behavior.scaleUp/scaleDown.tolerance (KEP-4951); undefined: the controller's flag. */
  tolerance: number | undefined;
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** What a user may write: every field optional, as in the HPA spec. */
export interface BehaviorInput {
  scaleUp?: Partial<ScalingRules>;
  scaleDown?: Partial<ScalingRules>;
}

/** The Kubernetes releases whose HPA rules are modelled; the last one is the default. */
export const KUBERNETES_VERSIONS = ['1.30', '1.31', '1.32', '1.33', '1.34', '1.35'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = '1.35';

/**
 * A modelled release from what a user types: `1.30`, or as `kubectl version` prints it,
 * `v1.30.4` (the patch release does not change the HPA's rules). Undefined when not modelled.
 */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const m = /^v?(\d+\.\d+)(?:\.\d+)?$/.exec(text.trim());
  const minor = m?.[1];
  return KUBERNETES_VERSIONS.find(v => v === minor);
}

export interface ReleaseRules {
  /**
   * `abs`: `math.Abs(1.0-usageRatio) <= tolerance` (replica_calculator.go up to 1.32).
   * `isWithin`: `Tolerances.isWithin`, `(1-down) <= ratio <= (1+up)` (1.33 and later).
   */
  toleranceForm: 'abs' | 'isWithin';
  /**
   * Whether behavior-level tolerances reach the controller: the HPAConfigurableTolerance feature
   * gate (KEP-4951; pkg/features/kube_features.go) is alpha and off by default in 1.33 and 1.34,
   * where the API server drops the fields (dropDisabledFields in
   * pkg/registry/autoscaling/horizontalpodautoscaler), and beta and on from 1.35; the field does
   * not exist before 1.33.
   */
  configurableTolerance: boolean;
}

export function releaseRules(version: KubernetesVersion): ReleaseRules {
  const minor = Number(version.split('.')[1]);
  return { toleranceForm: minor <= 32 ? 'abs' : 'isWithin', configurableTolerance: minor >= 35 };
}

export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}

/** kube-controller-manager's default --horizontal-pod-autoscaler-tolerance. */
export const DEFAULT_HPA_TOLERANCE = 0.1;

/**
 * The tolerances an HPA with `behavior` (as written in a ScaledObject) gets under release `k8s`
 * at the controller's default flag: what `check` explains with.
 */
export function hpaTolerances(
  behavior: BehaviorInput | undefined,
  k8s: KubernetesVersion,
): Tolerances {
  return tolerancesFor(
    behavior === undefined ? undefined : withBehaviorDefaults(behavior),
    DEFAULT_HPA_TOLERANCE,
    releaseRules(k8s),
  );
}

/** horizontal.go tolerancesForHpa: the controller flag, overridden per direction by behavior. */
export function tolerancesFor(
  behavior: Behavior | undefined,
  flag: number,
  rules: ReleaseRules,
): Tolerances {
  if (behavior === undefined || !rules.configurableTolerance)
    return { scaleUp: flag, scaleDown: flag };
  return {
    scaleUp: behavior.scaleUp.tolerance ?? flag,
    scaleDown: behavior.scaleDown.tolerance ?? flag,
  };
}

/** Whether the replica calculator keeps the current count for this usage ratio. */
export function withinTolerance(ratio: number, t: Tolerances, rules: ReleaseRules): boolean {
  if (rules.toleranceForm === 'abs') return Math.abs(1.0 - ratio) <= t.scaleUp;
  return 1.0 - t.scaleDown <= ratio && ratio <= 1.0 + t.scaleUp;
}

/**
 * The API server's defaults for a behavior's missing fields (defaults.go
 * GenerateHPAScaleUpRules / GenerateHPAScaleDownRules; copyHPAScalingRules keeps what is set).
 * scaleDown's window defaults to nil, which the controller reads as its
 * --horizontal-pod-autoscaler-downscale-stabilization (maybeInitScaleDownStabilizationWindow).
 */
export function withBehaviorDefaults(input: BehaviorInput, downscaleWindowSeconds = 300): Behavior {
  return {
    scaleUp: {
      stabilizationWindowSeconds: input.scaleUp?.stabilizationWindowSeconds ?? 0,
      selectPolicy: input.scaleUp?.selectPolicy ?? 'Max',
      policies: input.scaleUp?.policies ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
      tolerance: input.scaleUp?.tolerance,
    },
    scaleDown: {
      stabilizationWindowSeconds:
        input.scaleDown?.stabilizationWindowSeconds ?? downscaleWindowSeconds,
      selectPolicy: input.scaleDown?.selectPolicy ?? 'Max',
      policies: input.scaleDown?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      tolerance: input.scaleDown?.tolerance,
    },
  };
}

/**
 * A float as the HPA reads it from KEDA, in milli-units: KEDA's quantityFromFloat64
 * (pkg/scalers/scaler.go) formats with `fmt.Sprintf("%.3f")` and parses that as a Quantity;
 * NaN, ±Inf and negatives become 0. Go's %.3f rounds the exact binary value, and an exact tie
 * (x × 1000 ending in exactly .5) to the even digit; `toFixed` rounds exact ties up, so ties are
 * settled here.
 */
export function quantityMilli(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  if (x >= 1e15) return x * 1000; // x has at most 3 binary fraction digits: x × 1000 is whole
  // toFixed's digits are exact (ECMA-262 Number.prototype.toFixed); as a BigInt they stay exact
  // where Number(...) × 1000 would round, above 2^53 / 1000 (9.0e12). Converting the milli-units
  // to a double at the end is the HPA's float64(MilliValue()).
  const up = BigInt(x.toFixed(3).replace('.', ''));
  const tie = exactHalfMilli(x);
  if (tie === undefined) return Number(up);
  return Number(tie % 2n === 0n ? tie : tie + 1n);
}

/** n when x × 1000 is exactly n + 0.5 in binary, else undefined. */
function exactHalfMilli(x: number): bigint | undefined {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  if (exp === 0) return undefined; // subnormals are far below a milli
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const shift = exp - 1075; // x = mantissa × 2^shift
  if (shift >= 0) return undefined; // whole number
  const num = 2000n * mantissa;
  const den = 1n << BigInt(-shift);
  if (num % den !== 0n) return undefined;
  const twice = num / den; // 2000x, a whole number
  if (twice % 2n === 0n) return undefined;
  return (twice - 1n) / 2n;
}

/**
 * The replica calculator's proposal for one external metric, from milli-units.
 * AverageValue (GetExternalPerPodMetricReplicas): ratio = usage / (target × current); outside
 * tolerance → ceil(usage / target). Value (GetExternalMetricReplicas → getUsageRatioReplicaCount):
 * ratio = usage / target; current 0 → ceil(ratio); outside tolerance → ceil(ratio × ready pods).
 * Ready pods are taken to be the current replicas.
 */
export function proposeReplicasMilli(
  metricType: MetricType,
  usageMilli: number,
  targetMilli: number,
  current: number,
  tolerances: Tolerances,
  rules: ReleaseRules,
): number {
  if (metricType === 'AverageValue') {
    const ratio = usageMilli / (targetMilli * current);
    if (withinTolerance(ratio, tolerances, rules)) return current;
    return Math.ceil(usageMilli / targetMilli);
  }
  const ratio = usageMilli / targetMilli;
  if (current === 0) return Math.ceil(ratio);
  if (withinTolerance(ratio, tolerances, rules)) return current;
  return Math.ceil(ratio * current);
}

/** The same from floats, converting both as KEDA does (values and targets alike). */
export function proposeReplicas(
  metricType: MetricType,
  value: number,
  target: number,
  currentReplicas: number,
  tolerance = DEFAULT_HPA_TOLERANCE,
  version: KubernetesVersion = DEFAULT_KUBERNETES_VERSION,
): number {
  return proposeReplicasMilli(
    metricType,
    quantityMilli(value),
    quantityMilli(target),
    currentReplicas,
    { scaleUp: tolerance, scaleDown: tolerance },
    releaseRules(version),
  );
}

interface Recommendation {
  replicas: number;
  at: number;
}
export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** getReplicasChangePerPeriod: changes strictly after now - period (time.After). */
function changedInPeriod(events: ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds;
  return events.filter(e => e.at > cutoff).reduce((sum, e) => sum + e.change, 0);
}

/** periodStartReplicas: the count at the start of a policy's period. */
function periodStart(
  current: number,
  ups: ScaleEvent[],
  downs: ScaleEvent[],
  p: ScalingPolicy,
  now: number,
): number {
  return (
    current -
    changedInPeriod(ups, p.periodSeconds, now) +
    changedInPeriod(downs, p.periodSeconds, now)
  );
}

/** calculateScaleUpLimitWithScalingRules: Percent rounds up. */
function scaleUpLimit(
  current: number,
  ups: ScaleEvent[],
  downs: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = periodStart(current, ups, downs, p, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: Percent truncates (Go's int32 conversion). */
function scaleDownLimit(
  current: number,
  ups: ScaleEvent[],
  downs: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = periodStart(current, ups, downs, p, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

export interface HpaMetric {
  metricType: MetricType;
  /** The target in milli-units, as the HPA object holds it. */
  targetMilli: number;
}

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  metrics: HpaMetric[];
  /** Undefined: the HPA has no behavior (KEDA passes nil), and the legacy rules apply. */
  behavior: BehaviorInput | undefined;
  kubernetesVersion?: KubernetesVersion;
  /** kube-controller-manager --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 300 s). */
  downscaleStabilizationSeconds?: number;
}

export interface SyncResult {
  /** The replica count after the sync (equal to `current` when the controller does nothing). */
  desired: number;
  /** The largest valid proposal across metrics, before stabilization and rate limits. */
  proposal: number | undefined;
  /** Why nothing was computed: `disabled` at 0 replicas, `invalid` when metrics failed. */
  skipped?: 'disabled' | 'invalid';
}

/** One HPA object with its controller memory (recommendations, scale events). */
export class HpaModel {
  private readonly recommendations: Recommendation[] = [];
  private readonly ups: ScaleEvent[] = [];
  private readonly downs: ScaleEvent[] = [];
  private readonly behavior: Behavior | undefined;
  private readonly rules: ReleaseRules;
  private readonly tolerances: Tolerances;

  constructor(private readonly spec: HpaSpec) {
    const window = spec.downscaleStabilizationSeconds ?? 300;
    this.behavior =
      spec.behavior === undefined ? undefined : withBehaviorDefaults(spec.behavior, window);
    this.rules = releaseRules(spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
    this.tolerances = tolerancesFor(
      this.behavior,
      spec.tolerance ?? DEFAULT_HPA_TOLERANCE,
      this.rules,
    );
  }

  /**
   * One controller sync (reconcileAutoscaler) at `now` with `current` replicas and each metric's
   * usage in milli-units (undefined: the metric could not be read).
   */
  sync(now: number, current: number, usagesMilli: (number | undefined)[]): SyncResult {
    const { minReplicas, maxReplicas } = this.spec;
    if (this.recommendations.length === 0)
      this.recommendations.push({ replicas: current, at: now });
    // "ScalingDisabled": a target at 0 with minReplicas > 0 is left alone (KEDA owns 0 <-> 1).
    if (current === 0 && minReplicas !== 0)
      return { desired: 0, proposal: undefined, skipped: 'disabled' };
    if (current > maxReplicas) return this.record(now, current, maxReplicas, undefined);
    if (current < minReplicas) return this.record(now, current, minReplicas, undefined);
    // computeReplicasForMetrics: the largest proposal; with every metric invalid, or some invalid
    // and the valid ones proposing a scale-down, the controller returns an error and does nothing.
    let proposal = 0;
    let invalid = 0;
    this.spec.metrics.forEach((m, i) => {
      const usage = usagesMilli[i];
      if (usage === undefined) {
        invalid++;
        return;
      }
      const p = proposeReplicasMilli(
        m.metricType,
        usage,
        m.targetMilli,
        current,
        this.tolerances,
        this.rules,
      );
      if (proposal === 0 || p > proposal) proposal = p;
    });
    if (invalid >= this.spec.metrics.length || (invalid > 0 && proposal < current))
      return { desired: current, proposal: undefined, skipped: 'invalid' };
    const desired =
      this.behavior === undefined
        ? this.normalizeLegacy(now, current, proposal)
        : this.normalizeWithBehavior(now, current, proposal, this.behavior);
    return this.record(now, current, desired, proposal);
  }

  private record(
    now: number,
    current: number,
    desired: number,
    proposal: number | undefined,
  ): SyncResult {
    if (desired !== current && this.behavior !== undefined)
      this.storeScaleEvent(now, current, desired);
    return { desired, proposal };
  }

  /**
   * normalizeDesiredReplicas: stabilizeRecommendation (the highest recommendation within the
   * downscale window), then convertDesiredReplicasWithRules (min, and at most
   * calculateScaleUpLimit = max(2 × current, 4) and max).
   */
  private normalizeLegacy(now: number, current: number, proposal: number): number {
    const window = this.spec.downscaleStabilizationSeconds ?? 300;
    const cutoff = now - window;
    let stabilized = proposal;
    let oldIndex = -1;
    this.recommendations.forEach((r, i) => {
      if (r.at < cutoff) oldIndex = i;
      else if (r.replicas > stabilized) stabilized = r.replicas;
    });
    this.remember(oldIndex, proposal, now);
    const scaleUpCap = Math.max(2 * current, 4);
    const maxAllowed = Math.min(this.spec.maxReplicas, scaleUpCap);
    if (stabilized < this.spec.minReplicas) return this.spec.minReplicas;
    if (stabilized > maxAllowed) return maxAllowed;
    return stabilized;
  }

  /**
   * normalizeDesiredReplicasWithBehaviors: stabilizeRecommendationWithBehaviors, then
   * convertDesiredReplicasWithBehaviorRate.
   */
  private normalizeWithBehavior(
    now: number,
    current: number,
    proposal: number,
    b: Behavior,
  ): number {
    // The lowest recommendation within the up window caps a rise; the highest within the down
    // window floors a fall (time.After: strictly inside the window).
    const upCutoff = now - b.scaleUp.stabilizationWindowSeconds;
    const downCutoff = now - b.scaleDown.stabilizationWindowSeconds;
    let up = proposal;
    let down = proposal;
    let oldIndex = -1;
    this.recommendations.forEach((r, i) => {
      if (r.at > upCutoff) up = Math.min(r.replicas, up);
      if (r.at > downCutoff) down = Math.max(r.replicas, down);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let stabilized = current;
    if (stabilized < up) stabilized = up;
    if (stabilized > down) stabilized = down;
    this.remember(oldIndex, proposal, now);

    if (stabilized > current) {
      const limit = Math.max(scaleUpLimit(current, this.ups, this.downs, b.scaleUp, now), current);
      return Math.min(stabilized, Math.min(this.spec.maxReplicas, limit));
    }
    if (stabilized < current) {
      const limit = Math.min(
        scaleDownLimit(current, this.ups, this.downs, b.scaleDown, now),
        current,
      );
      return Math.max(stabilized, Math.max(this.spec.minReplicas, limit));
    }
    return stabilized;
  }

  /** Records the unstabilized recommendation, reusing the last expired slot as Go does. */
  private remember(oldIndex: number, replicas: number, now: number): void {
    if (oldIndex >= 0) this.recommendations[oldIndex] = { replicas, at: now };
    else this.recommendations.push({ replicas, at: now });
  }

  /** storeScaleEvent + markScaleEventsOutdated (older than the longest policy period). */
  private storeScaleEvent(now: number, previous: number, next: number): void {
    const b = this.behavior as Behavior;
    const rising = next > previous;
    const events = rising ? this.ups : this.downs;
    const rules = rising ? b.scaleUp : b.scaleDown;
    const longest = Math.max(0, ...rules.policies.map(p => p.periodSeconds));
    for (const e of events) if (e.at < now - longest) e.outdated = true;
    const event = { change: Math.abs(next - previous), at: now, outdated: false };
    const reuse = events.map(e => e.outdated).lastIndexOf(true);
    if (reuse >= 0) events[reuse] = event;
    else events.push(event);
  }
}
