// Replays a metric series through a model of KEDA (polling, activation, cooldown, 0 <-> 1) and the
// HPA (hpa-model.ts, 1 <-> N), as keda.md 4.1-4.7 describes them. Times are unix seconds.
import type { BehaviorInput, MetricType } from './hpa-model';
import { HpaModel } from './hpa-model';

export interface Sample {
  timestamp: number;
  value: number;
}

export interface ScaledObjectModel {
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
  initialCooldownPeriodSeconds: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount: number | undefined;
  threshold: number;
  activationThreshold: number;
  metricType: MetricType;
  behavior: BehaviorInput | undefined;
}

export interface SimulationOptions {
  /** kube-controller-manager's --horizontal-pod-autoscaler-sync-period (default 15 s). */
  hpaSyncSeconds?: number;
  tolerance?: number;
  /** Replicas at the start; default: minReplicaCount (0 starts idle). */
  initialReplicas?: number;
}

export interface SimulationRow {
  timestamp: number;
  /** The metric value the model saw at this time (the latest sample at or before it). */
  value: number;
  active: boolean;
  /** What the deciding component wanted at this step (KEDA's poll or the HPA's sync). */
  desiredReplicas: number;
  /** Replicas after this step. */
  replicas: number;
  /** Which component acted: `keda` (poll) or `hpa` (sync). */
  by: 'keda' | 'hpa';
}

/** The latest sample at or before `t`, by binary search on sorted samples. */
function valueAt(samples: Sample[], t: number): number | undefined {
  let lo = 0;
  let hi = samples.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = samples[mid] as Sample;
    if (s.timestamp <= t) {
      found = s.value;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * KEDA and the HPA for one ScaledObject, stepped by the caller: `simulate` steps it over a
 * recorded series, the demo steps it in real time with values read over gRPC.
 */
export class ScalingModel {
  private readonly hpa: HpaModel;
  private readonly idleTarget: number;
  private lastActive: number;
  replicas: number;

  constructor(
    private readonly so: ScaledObjectModel,
    startSeconds: number,
    options: SimulationOptions = {},
  ) {
    this.hpa = new HpaModel({
      // The HPA KEDA creates has minReplicas = max(minReplicaCount, 1) (keda.md 4.1).
      minReplicas: Math.max(so.minReplicaCount, 1),
      maxReplicas: so.maxReplicaCount,
      metricType: so.metricType,
      target: so.threshold,
      behavior: so.behavior,
      tolerance: options.tolerance ?? 0.1,
    });
    this.idleTarget = so.idleReplicaCount ?? so.minReplicaCount;
    this.replicas = options.initialReplicas ?? so.minReplicaCount;
    // Never active yet: the cooldown runs from creation, after initialCooldownPeriod (keda.md 4.2).
    this.lastActive = startSeconds + so.initialCooldownPeriodSeconds - so.cooldownPeriodSeconds;
  }

  /** KEDA's poll: activation from zero at once, and the cooldown back to idle. */
  poll(t: number, value: number, active = value > this.so.activationThreshold): SimulationRow {
    const so = this.so;
    let desired = this.replicas;
    if (active) {
      this.lastActive = t;
      const fromIdle = so.idleReplicaCount !== undefined && this.replicas < so.minReplicaCount;
      if (this.replicas === 0 || fromIdle) desired = Math.max(so.minReplicaCount, 1);
    } else if (
      this.replicas > this.idleTarget &&
      (so.minReplicaCount === 0 || so.idleReplicaCount !== undefined) &&
      t - this.lastActive >= so.cooldownPeriodSeconds
    ) {
      desired = this.idleTarget;
    }
    this.replicas = desired;
    return { timestamp: t, value, active, desiredReplicas: desired, replicas: desired, by: 'keda' };
  }

  /** The HPA's sync; it leaves an idle (0) target alone: KEDA owns 0 <-> 1. */
  sync(t: number, value: number): SimulationRow {
    const { desired } = this.hpa.sync(t, this.replicas, value);
    if (this.replicas > 0) this.replicas = desired;
    const active = value > this.so.activationThreshold;
    return {
      timestamp: t,
      value,
      active,
      desiredReplicas: desired,
      replicas: this.replicas,
      by: 'hpa',
    };
  }
}

/**
 * Runs the models from the first sample to the last. At a time where both act, KEDA's poll comes
 * first (it may activate from 0), then the HPA's sync.
 */
export function simulate(
  series: Sample[],
  so: ScaledObjectModel,
  options: SimulationOptions = {},
): SimulationRow[] {
  const samples = [...series].sort((a, b) => a.timestamp - b.timestamp);
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined) return [];
  const hpaSync = options.hpaSyncSeconds ?? 15;
  const model = new ScalingModel(so, first.timestamp, options);
  const rows: SimulationRow[] = [];
  let nextPoll = first.timestamp;
  let nextSync = first.timestamp;
  while (Math.min(nextPoll, nextSync) <= last.timestamp) {
    const t = Math.min(nextPoll, nextSync);
    const value = valueAt(samples, t) ?? 0;
    if (t === nextPoll) {
      rows.push(model.poll(t, value));
      nextPoll += so.pollingIntervalSeconds;
    }
    if (t === nextSync) {
      rows.push(model.sync(t, value));
      nextSync += hpaSync;
    }
  }
  return rows;
}
