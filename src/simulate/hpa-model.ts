// A model of the Kubernetes HPA for one external metric, reproducing the replica calculator and
// the horizontal controller's normalization (pkg/controller/podautoscaler: replica_calculator.go,
// horizontal.go): tolerance, AverageValue / Value, behavior policies, stabilization windows, and
// the legacy rules when behavior is absent. Times are seconds.

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

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  metricType: MetricType;
  /** The target (KEDA's threshold). */
  target: number;
  /** Undefined means the HPA has no behavior: the legacy normalization applies. */
  behavior: BehaviorInput | undefined;
  /** kube-controller-manager --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min), legacy path only. */
  downscaleStabilizationSeconds?: number;
}

/** The API server's defaults for a behavior's missing fields (autoscaling/v2 defaults.go). */
export function withBehaviorDefaults(input: BehaviorInput): Behavior {
  return {
    scaleUp: {
      stabilizationWindowSeconds: input.scaleUp?.stabilizationWindowSeconds ?? 0,
      selectPolicy: input.scaleUp?.selectPolicy ?? 'Max',
      policies: input.scaleUp?.policies ?? [
        { type: 'Percent', value: 100, periodSeconds: 15 },
        { type: 'Pods', value: 4, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: input.scaleDown?.stabilizationWindowSeconds ?? 300,
      selectPolicy: input.scaleDown?.selectPolicy ?? 'Max',
      policies: input.scaleDown?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

/** KEDA hands quantities to the HPA in milli-units (keda.md 2.6): compare as the HPA does. */
const toMilli = (x: number): number => Math.round(x * 1000);

/**
 * The replica calculator's proposal for an external metric (replica_calculator.go):
 * AverageValue: ratio = usage / (target × current); outside tolerance → ceil(usage / target).
 * Value: ratio = usage / target; outside tolerance → ceil(ratio × ready pods); from 0 → ceil(ratio).
 */
export function proposeReplicas(
  metricType: MetricType,
  value: number,
  target: number,
  currentReplicas: number,
  tolerance = 0.1,
): number {
  const usage = toMilli(Math.max(0, value));
  const targetMilli = toMilli(target);
  if (metricType === 'AverageValue') {
    const ratio = usage / (targetMilli * currentReplicas);
    if (currentReplicas > 0 && Math.abs(1 - ratio) <= tolerance) return currentReplicas;
    return Math.ceil(usage / targetMilli);
  }
  const ratio = usage / targetMilli;
  if (currentReplicas === 0) return Math.ceil(ratio);
  if (Math.abs(1 - ratio) <= tolerance) return currentReplicas;
  return Math.ceil(ratio * currentReplicas);
}

interface Recommendation {
  replicas: number;
  at: number;
}
interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** Replicas changed within the last `periodSeconds` (strictly after the cutoff, as in Go). */
function changedInPeriod(events: ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds;
  return events.filter(e => e.at > cutoff).reduce((sum, e) => sum + e.change, 0);
}

/** The replica count at the start of a policy's period: added ones out, removed ones back. */
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

/** The most replicas the scale-up rules allow now. Percent rounds up (horizontal.go). */
export function scaleUpLimit(
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

/** The fewest replicas the scale-down rules allow now. Percent truncates (horizontal.go). */
export function scaleDownLimit(
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

/** One HPA object with its controller memory (recommendations, scale events). */
export class HpaModel {
  private recommendations: Recommendation[] = [];
  private readonly ups: ScaleEvent[] = [];
  private readonly downs: ScaleEvent[] = [];
  private readonly behavior: Behavior | undefined;

  constructor(private readonly spec: HpaSpec) {
    this.behavior = spec.behavior === undefined ? undefined : withBehaviorDefaults(spec.behavior);
  }

  /**
   * One controller sync at time `now` (s) with `current` replicas and the metric's value.
   * Returns the replica count the controller sets (equal to `current` when it does nothing).
   */
  sync(now: number, current: number, value: number): { desired: number; proposal: number } {
    const { minReplicas, maxReplicas } = this.spec;
    if (this.recommendations.length === 0)
      this.recommendations.push({ replicas: current, at: now });
    // Scale target at 0 with minReplicas > 0: autoscaling is disabled (KEDA owns 0 <-> 1).
    if (current === 0 && minReplicas !== 0) return { desired: 0, proposal: 0 };
    if (current > maxReplicas) return this.record(now, current, maxReplicas, maxReplicas);
    if (current < minReplicas) return this.record(now, current, minReplicas, minReplicas);
    const proposal = proposeReplicas(
      this.spec.metricType,
      value,
      this.spec.target,
      current,
      this.spec.tolerance,
    );
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
    proposal: number,
  ): { desired: number; proposal: number } {
    if (desired !== current && this.behavior !== undefined)
      this.storeScaleEvent(now, current, desired);
    return { desired, proposal };
  }

  /** No behavior: max over the downscale window, then at most max(2 × current, 4), min/max. */
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

  private normalizeWithBehavior(
    now: number,
    current: number,
    proposal: number,
    b: Behavior,
  ): number {
    // Stabilize: the lowest recent recommendation caps a rise, the highest floors a fall.
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

    // Rate: the policies' limits, then min/max.
    if (stabilized > current) {
      const limit = Math.max(scaleUpLimit(current, this.ups, this.downs, b.scaleUp, now), current);
      const maxAllowed = Math.min(this.spec.maxReplicas, limit);
      return Math.min(stabilized, maxAllowed);
    }
    if (stabilized < current) {
      const limit = Math.min(
        scaleDownLimit(current, this.ups, this.downs, b.scaleDown, now),
        current,
      );
      const minAllowed = Math.max(this.spec.minReplicas, limit);
      return Math.max(stabilized, minAllowed);
    }
    return stabilized;
  }

  /** Records the unstabilized recommendation, reusing an expired slot as the controller does. */
  private remember(oldIndex: number, replicas: number, now: number): void {
    if (oldIndex >= 0) this.recommendations[oldIndex] = { replicas, at: now };
    else this.recommendations.push({ replicas, at: now });
  }

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
