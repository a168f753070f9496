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
  const hpa = new HpaModel({
    // The HPA KEDA creates has minReplicas = max(minReplicaCount, 1) (keda.md 4.1).
    minReplicas: Math.max(so.minReplicaCount, 1),
    maxReplicas: so.maxReplicaCount,
    metricType: so.metricType,
    target: so.threshold,
    behavior: so.behavior,
    tolerance: options.tolerance ?? 0.1,
  });
  const idleTarget = so.idleReplicaCount ?? so.minReplicaCount;
  let replicas = options.initialReplicas ?? so.minReplicaCount;
  // Never active yet: the cooldown runs from creation, after initialCooldownPeriod (keda.md 4.2).
  let lastActive = first.timestamp + so.initialCooldownPeriodSeconds - so.cooldownPeriodSeconds;
  const rows: SimulationRow[] = [];
  let nextPoll = first.timestamp;
  let nextSync = first.timestamp;
  while (Math.min(nextPoll, nextSync) <= last.timestamp) {
    const t = Math.min(nextPoll, nextSync);
    const value = valueAt(samples, t) ?? 0;
    const active = value > so.activationThreshold;
    if (t === nextPoll) {
      let desired = replicas;
      if (active) {
        lastActive = t;
        const floor = Math.max(so.minReplicaCount, 1);
        // Scale from zero (or from idle) at once; above that the HPA is in charge.
        if (
          replicas === 0 ||
          (so.idleReplicaCount !== undefined && replicas < so.minReplicaCount)
        ) {
          desired = floor;
        }
      } else if (
        replicas > idleTarget &&
        (so.minReplicaCount === 0 || so.idleReplicaCount !== undefined) &&
        t - lastActive >= so.cooldownPeriodSeconds
      ) {
        desired = idleTarget;
      }
      replicas = desired;
      rows.push({ timestamp: t, value, active, desiredReplicas: desired, replicas, by: 'keda' });
      nextPoll += so.pollingIntervalSeconds;
    }
    if (t === nextSync) {
      const { desired } = hpa.sync(t, replicas, value);
      // The HPA leaves an idle (0) target alone: KEDA owns 0 <-> 1.
      if (replicas > 0) replicas = desired;
      rows.push({ timestamp: t, value, active, desiredReplicas: desired, replicas, by: 'hpa' });
      nextSync += hpaSync;
    }
  }
  return rows;
}
