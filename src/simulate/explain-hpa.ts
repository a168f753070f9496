// The HPA's arithmetic for one metric value, spelled out for a person: what `kubectl get hpa`
// shows and why, for AverageValue and for Value (the source of many "wrong value" reports:
// KEDA #1881, #6549).
import type { MetricType } from './hpa-model';
import { proposeReplicas } from './hpa-model';

export interface HpaExplanation {
  metricType: MetricType;
  /** What `kubectl get hpa` shows as current/target. */
  shown: string;
  ratio: number;
  withinTolerance: boolean;
  proposal: number;
  desired: number;
  steps: string[];
}

/** A quantity as Kubernetes prints it: whole numbers plain, fractions in milli-units. */
export function quantity(x: number): string {
  const milli = Math.round(x * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function explainHpa(
  metricType: MetricType,
  value: number,
  threshold: number,
  replicas: number,
  minReplicas: number,
  maxReplicas: number,
  tolerance = 0.1,
): HpaExplanation {
  const v = Math.max(0, value);
  const current = Math.max(replicas, 0);
  const proposal = proposeReplicas(metricType, v, threshold, current, tolerance);
  const desired = Math.min(maxReplicas, Math.max(minReplicas, proposal));
  const steps: string[] = [];
  let ratio: number;
  let shown: string;
  if (metricType === 'AverageValue') {
    ratio = current === 0 ? Infinity : v / (threshold * current);
    // The HPA reports the per-pod average: total / replicas, rounded up in milli-units.
    const perPod = current === 0 ? v : Math.ceil((v * 1000) / current) / 1000;
    shown = `${quantity(perPod)}/${quantity(threshold)} (avg)`;
    steps.push(
      `AverageValue: the metric is a total shared by all pods; per pod ${quantity(v)} / ${current} = ${quantity(perPod)} against a target of ${quantity(threshold)}`,
      `usage ratio = ${quantity(v)} / (${quantity(threshold)} x ${current}) = ${ratio.toFixed(3)}`,
    );
  } else {
    ratio = v / threshold;
    shown = `${quantity(v)}/${quantity(threshold)}`;
    steps.push(
      `Value: the metric is compared with the target as it is: ${quantity(v)} against ${quantity(threshold)}`,
      `usage ratio = ${quantity(v)} / ${quantity(threshold)} = ${ratio.toFixed(3)}`,
    );
  }
  const withinTolerance = current > 0 && Math.abs(1 - ratio) <= tolerance;
  if (withinTolerance) {
    steps.push(
      `|1 - ${ratio.toFixed(3)}| <= tolerance ${tolerance}: the HPA keeps ${current} replicas`,
    );
  } else if (metricType === 'AverageValue') {
    steps.push(
      `outside tolerance ${tolerance}: desired = ceil(${quantity(v)} / ${quantity(threshold)}) = ${proposal}`,
    );
  } else {
    steps.push(
      current === 0
        ? `from 0 replicas: desired = ceil(${ratio.toFixed(3)}) = ${proposal}`
        : `outside tolerance ${tolerance}: desired = ceil(${ratio.toFixed(3)} x ${current}) = ${proposal}`,
    );
  }
  if (desired !== proposal) steps.push(`clamped to [${minReplicas}, ${maxReplicas}]: ${desired}`);
  steps.push('behavior policies and stabilization windows may slow the change (see `simulate`)');
  return { metricType, shown, ratio, withinTolerance, proposal, desired, steps };
}
