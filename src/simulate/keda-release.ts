// What changes between KEDA releases for the model: which ScaledObject fields the CRD keeps, how
// a float becomes the milli-quantity the HPA reads, and which annotations the executor honours.
// Each rule is read from that release's own source in kedacore/keda (tags v2.17.0 … v2.20.2).
import { parseGoBool } from '../util/parse-values';
import type { BehaviorInput } from './hpa-model';
import { quantityMilli } from './hpa-model';

/** The KEDA minor releases the model knows; the docs support 2.17 and later. */
export const KEDA_VERSIONS = ['2.17', '2.18', '2.19', '2.20'] as const;
export type KedaVersion = (typeof KEDA_VERSIONS)[number];
/** The newest released KEDA (v2.20.2); a patch release reads as its minor. */
export const DEFAULT_KEDA_VERSION: KedaVersion = '2.20';

/** "2.18", "v2.18.3" → "2.18"; anything else → undefined. */
export function parseKedaVersion(text: string): KedaVersion | undefined {
  const minor = /^v?(\d+\.\d+)(?:\.\d+)?$/.exec(text.trim())?.[1];
  return KEDA_VERSIONS.find(v => v === minor);
}

export interface KedaRules {
  /**
   * `advanced.horizontalPodAutoscalerConfig.behavior.*.tolerance` exists in the ScaledObject CRD
   * from v2.18.0 (config/crd/bases/keda.sh_scaledobjects.yaml); under v2.17 the API server prunes
   * it, so the HPA never sees it.
   */
  behaviorTolerance: boolean;
  /**
   * How a float becomes milli-units (pkg/scalers/scaler.go GenerateMetricInMili and
   * GetMetricTargetMili): `int64(v * 1000)`, truncating, up to v2.19; from v2.20.0
   * `resource.MustParse(fmt.Sprintf("%.3f", v))`, rounding (kedacore/keda #7441, PR #7534).
   */
  milli: 'truncate' | 'round';
  /**
   * The `autoscaling.keda.sh/force-activation` annotation (kedacore/keda #6903, v2.18.0):
   * executor RequestScale treats the target as active whatever the triggers say.
   */
  forceActivation: boolean;
}

export function kedaRules(version: KedaVersion): KedaRules {
  const minor = Number(version.split('.')[1]);
  return {
    behaviorTolerance: minor >= 18,
    milli: minor >= 20 ? 'round' : 'truncate',
    forceActivation: minor >= 18,
  };
}

/**
 * The milli-units KEDA hands the HPA for `x` (already clamped by this scaler: NaN, ±Inf and
 * negatives are sent as 0). Truncation in Go: `int64(1.005 * 1000)` is 1004, since the product is
 * 1004.9999999999999 in float64.
 */
export function kedaMilli(x: number, rules: KedaRules): number {
  if (rules.milli === 'round') return quantityMilli(x);
  if (!Number.isFinite(x) || x < 0) return 0;
  if (x >= 1e15) return x * 1000; // beyond 2^53 / 1000 every double is whole
  return Math.trunc(x * 1000);
}

/** The behavior as the API server stores it under this release's CRD (tolerance pruned < 2.18). */
export function behaviorAsStored(
  behavior: BehaviorInput | undefined,
  rules: KedaRules,
): BehaviorInput | undefined {
  if (behavior === undefined || rules.behaviorTolerance) return behavior;
  const strip = <T extends { tolerance?: number | undefined }>(r: T | undefined) =>
    r === undefined ? undefined : { ...r, tolerance: undefined };
  return { ...behavior, scaleUp: strip(behavior.scaleUp), scaleDown: strip(behavior.scaleDown) };
}

/**
 * KEDA's getBoolAnnotation (apis/keda/v1alpha1/scaledobject_types.go): absent is false, a Go
 * boolean is itself, and anything else ("yes", "on") is true.
 */
export function forceActivationAnnotation(value: string | undefined): boolean {
  if (value === undefined) return false;
  const parsed = parseGoBool(value);
  return parsed.ok ? parsed.value : true;
}
