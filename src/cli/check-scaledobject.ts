// The whole ScaledObject in `check`: after each trigger is checked, what KEDA and the HPA make of
// them together, from the simulator's own engine. With scalingModifiers, the formula over the
// triggers' values by name against `target` and `activationTarget`; without, the HPA's largest
// proposal across its metrics and KEDA's "active when any trigger is active".
import type { KedaVersion } from '../simulate/keda-release';
import { behaviorAsStored, kedaRules } from '../simulate/keda-release';
import type { HpaExplanation } from '../simulate/explain-hpa';
import { explainHpa } from '../simulate/explain-hpa';
import type { KubernetesVersion, MetricType } from '../simulate/hpa-model';
import { hpaTolerances } from '../simulate/hpa-model';
import type { LoadedScaledObject, LoadedTrigger } from '../manifest/scaledobject-file';
import { TRIGGER_TYPES } from '../manifest/scaledobject-file';
import { ScalingModel } from '../simulate/simulate';

/** One trigger's checked reading, by its place in spec.triggers. */
export interface CheckedReading {
  index: number;
  /** Undefined when the check failed (the server's error went to stderr). */
  reading:
    { value: number; active: boolean; threshold: number; activationThreshold: number } | undefined;
}

export interface WholeScaledObject {
  /** JSON form, one element of `check --output json`'s array. */
  report: Record<string, unknown>;
  text: string;
  /** 1 when the formula cannot give a value (KEDA would report an error), else 0. */
  code: number;
}

/** A trigger as the manifest names it: its `name`, or its place when it has none. */
function describeTrigger(t: LoadedTrigger): string {
  return t.named ? `trigger "${t.name}"` : `spec.triggers[${t.index}]`;
}

/**
 * What KEDA and the HPA do with all of `so`'s triggers, or undefined when there is nothing to
 * compose (one trigger and no formula).
 */
export function wholeScaledObject(
  so: LoadedScaledObject,
  checked: readonly CheckedReading[],
  options: { replicas: number; k8s: KubernetesVersion; keda: KedaVersion },
): WholeScaledObject | undefined {
  const sm = so.scalingModifiers;
  if (sm === undefined && so.triggers.length < 2) return undefined;
  const header = `ScaledObject ${so.name}, all ${so.triggers.length} trigger(s)${sm === undefined ? '' : ` through scalingModifiers`}:`;
  const notComputed = (why: string): WholeScaledObject => ({
    report: { scaledObject: so.name, whole: { computed: false, reason: why } },
    text: `${header}\n  not computed: ${why}\n`,
    code: 0,
  });
  const other = so.triggers.find(t => !TRIGGER_TYPES.includes(t.type));
  if (other !== undefined) {
    return notComputed(
      `${describeTrigger(other)} has type ${other.type}; check reads ${TRIGGER_TYPES.join(', ')} triggers only`,
    );
  }
  const readings = so.triggers.map(t => checked.find(c => c.index === t.index)?.reading);
  const failedAt = readings.findIndex(r => r === undefined);
  if (failedAt >= 0) {
    const failed = so.triggers[failedAt] as LoadedTrigger;
    return notComputed(
      `${describeTrigger(failed)} failed (see its error); KEDA would count a failure for the ScaledObject`,
    );
  }
  const values = readings as NonNullable<(typeof readings)[number]>[];
  const { replicas, k8s, keda } = options;
  const minReplicas = Math.max(1, so.minReplicaCount);
  // Under KEDA 2.17 the CRD has no behavior tolerance: the API server drops it.
  const tolerances = hpaTolerances(behaviorAsStored(so.behavior, kedaRules(keda)), k8s);
  const explain = (type: MetricType, value: number, target: number): HpaExplanation =>
    explainHpa(
      type,
      value,
      target,
      replicas,
      minReplicas,
      so.maxReplicaCount,
      tolerances,
      k8s,
      keda,
    );

  if (sm === undefined) {
    // computeReplicasForMetrics (pkg/controller/podautoscaler/horizontal.go): the largest
    // proposal across the HPA's metrics; KEDA is active when any trigger is (scale_handler.go).
    const proposals = so.triggers.map((t, i) => {
      const r = values[i] as (typeof values)[number];
      return { name: t.name, desired: explain(t.metricType, r.value, r.threshold).desired };
    });
    const desired = Math.max(...proposals.map(p => p.desired));
    const activeBy = so.triggers.filter((_, i) => values[i]?.active).map(t => t.name);
    const active = activeBy.length > 0;
    return {
      report: {
        scaledObject: so.name,
        whole: { computed: true, active, activeTriggers: activeBy, proposals, desired },
      },
      text: [
        header,
        `  IsActive        ${active}  (${active ? `active: ${activeBy.join(', ')}` : 'no trigger is active'}; KEDA needs one)`,
        `  HPA at ${replicas} replica(s): desired ${desired}, the largest of ${proposals.map(p => `${p.name} ${p.desired}`).join(', ')}`,
        '',
      ].join('\n'),
      code: 0,
    };
  }

  // The simulator's KEDA poll composes the values exactly as the cluster would (milli-units,
  // the formula by trigger name, activity against activationTarget).
  const model = new ScalingModel(
    {
      ...so,
      triggers: so.triggers.map((t, i) => ({
        name: t.name,
        metricType: t.metricType,
        threshold: (values[i] as (typeof values)[number]).threshold,
        activationThreshold: (values[i] as (typeof values)[number]).activationThreshold,
      })),
      scalingModifiers: sm,
    },
    0,
    { initialReplicas: replicas, kubernetesVersion: k8s, kedaVersion: keda },
  );
  const row = model.poll(
    0,
    values.map(v => v.value),
  );
  const inputs = Object.fromEntries(so.triggers.map((t, i) => [t.name, values[i]?.value]));
  if (row.composite === null || row.composite === undefined) {
    return {
      report: {
        scaledObject: so.name,
        whole: { computed: false, formula: sm.formula.text, inputs, reason: 'no value' },
      },
      text: `${header}\n  formula ${sm.formula.text} gives no usable value for ${JSON.stringify(inputs)} (nil, an error, or a division by zero): KEDA has no metric for the HPA\n`,
      code: 1,
    };
  }
  const composite = row.composite;
  // The HPA's composite target is NewMilliQuantity(int64(target × 1000)): controllers/keda/hpa.go.
  const target = Math.trunc(sm.target * 1000) / 1000;
  const hpa = explain(sm.metricType, composite, target);
  return {
    report: {
      scaledObject: so.name,
      whole: {
        computed: true,
        formula: sm.formula.text,
        inputs,
        composite,
        active: row.active,
        activationTarget: sm.activationTarget,
        metricType: sm.metricType,
        target: sm.target,
        hpa,
      },
    },
    text: [
      header,
      `  formula         ${sm.formula.text} = ${composite}  (${Object.entries(inputs)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')})`,
      `  IsActive        ${row.active}  (composite ${composite} is ${row.active ? '' : 'not '}above activationTarget ${sm.activationTarget})`,
      `  HPA at ${replicas} replica(s), the composite metric is ${sm.metricType} against target ${sm.targetText}: kubectl get hpa shows ${hpa.shown}; desired ${hpa.desired}`,
      ...hpa.steps.map(s => `    - ${s}`),
      '',
    ].join('\n'),
    code: 0,
  };
}
