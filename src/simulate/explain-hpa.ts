// The HPA's arithmetic for one metric value, spelled out for a person with the simulator's own
// functions (milli-units as KEDA sends them, the release's tolerance rule): what
// `kubectl get hpa` shows and why, for AverageValue and for Value (the source of many "wrong
// value" reports: KEDA #1881, #6549).
import type { KedaVersion } from './keda-release';
import { DEFAULT_KEDA_VERSION, kedaMilli, kedaRules } from './keda-release';
import type { KubernetesVersion, MetricType, Tolerances } from './hpa-model';
import {
  DEFAULT_KUBERNETES_VERSION,
  proposeReplicasMilli,
  quantityMilli,
  releaseRules,
  withinTolerance,
} from './hpa-model';

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

/** A milli-unit count as Kubernetes prints a quantity: whole numbers plain, else `NNNm`. */
function milliText(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** A float as Kubernetes prints the quantity KEDA makes of it. */
export function quantity(x: number): string {
  return milliText(quantityMilli(x));
}

export function explainHpa(
  metricType: MetricType,
  value: number,
  threshold: number,
  replicas: number,
  minReplicas: number,
  maxReplicas: number,
  tolerances: Tolerances = { scaleUp: 0.1, scaleDown: 0.1 },
  version: KubernetesVersion = DEFAULT_KUBERNETES_VERSION,
  keda: KedaVersion = DEFAULT_KEDA_VERSION,
): HpaExplanation {
  const rules = releaseRules(version);
  // What KEDA hands the HPA: rounded to milli-units from v2.20, truncated before.
  const usage = kedaMilli(value, kedaRules(keda));
  const target = kedaMilli(threshold, kedaRules(keda));
  const current = Math.max(replicas, 0);
  const proposal = proposeReplicasMilli(metricType, usage, target, current, tolerances, rules);
  const desired = Math.min(maxReplicas, Math.max(minReplicas, proposal));
  const u = milliText(usage);
  const tg = milliText(target);
  const steps: string[] = [];
  let ratio: number;
  let shown: string;
  if (metricType === 'AverageValue') {
    ratio = current === 0 ? Infinity : usage / (target * current);
    // The HPA reports the per-pod average: total / replicas, rounded up in milli-units.
    const perPod = current === 0 ? usage : Math.ceil(usage / current);
    shown = `${milliText(perPod)}/${tg} (avg)`;
    steps.push(
      `AverageValue: the metric is a total shared by all pods; per pod ${u} / ${current} = ${milliText(perPod)} against a target of ${tg}`,
      `usage ratio = ${u} / (${tg} x ${current}) = ${ratio.toFixed(3)}`,
    );
  } else {
    ratio = usage / target;
    shown = `${u}/${tg}`;
    steps.push(
      `Value: the metric is compared with the target as it is: ${u} against ${tg}`,
      `usage ratio = ${u} / ${tg} = ${ratio.toFixed(3)}`,
    );
  }
  const within = current > 0 && withinTolerance(ratio, tolerances, rules);
  const rule =
    rules.toleranceForm === 'abs'
      ? `|1 - ${ratio.toFixed(3)}| <= ${tolerances.scaleUp} (Kubernetes ${version})`
      : `${1 - tolerances.scaleDown} <= ${ratio.toFixed(3)} <= ${1 + tolerances.scaleUp} (Kubernetes ${version})`;
  if (within) {
    steps.push(`${rule}: within tolerance, the HPA keeps ${current} replicas`);
  } else if (metricType === 'AverageValue') {
    steps.push(`outside tolerance, not ${rule}: desired = ceil(${u} / ${tg}) = ${proposal}`);
  } else {
    steps.push(
      current === 0
        ? `from 0 replicas: desired = ceil(${ratio.toFixed(3)}) = ${proposal}`
        : `outside tolerance, not ${rule}: desired = ceil(${ratio.toFixed(3)} x ${current}) = ${proposal}`,
    );
  }
  if (desired !== proposal) steps.push(`clamped to [${minReplicas}, ${maxReplicas}]: ${desired}`);
  steps.push('behavior policies and stabilization windows may slow the change (see `simulate`)');
  return { metricType, shown, ratio, withinTolerance: within, proposal, desired, steps };
}
