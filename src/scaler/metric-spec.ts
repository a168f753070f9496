// The HPA metric KEDA gets for a trigger, encoded for the wire: its spec (name and target) and values.
import type { TriggerSpec } from '../metadata/parse-trigger';

/** What GetMetricSpec returns for one trigger (int64 as a decimal string for proto-loader). */
export interface MetricSpecMessage {
  metricName: string;
  targetSize: string;
  targetSizeFloat: number;
}

/**
 * The spec for one trigger. `targetSizeFloat` is the threshold; `targetSize` is for KEDA older
 * than 2.17, which reads only int64 fields (externalscaler.proto before float fields): the
 * threshold rounded, and at least 1
 * because the HPA rejects a zero target (HPA validation: "must be positive").
 */
export function buildMetricSpec(spec: TriggerSpec, metricName: string): MetricSpecMessage {
  return {
    metricName,
    targetSize: String(Math.max(1, Math.round(spec.threshold))),
    targetSizeFloat: spec.threshold,
  };
}

/** Largest int64, for values too large for KEDA's int field. */
const INT64_MAX = 9223372036854775807n;

/**
 * The value as KEDA should see it: negatives, NaN and ±Inf become 0 (KEDA uses the float only when
 * it is > 0 and would otherwise read the int, KEDA external_scaler.go); the int field is the
 * rounded value.
 */
export function toMetricValueFields(value: number): {
  metricValue: string;
  metricValueFloat: number;
} {
  const clamped = Number.isFinite(value) && value > 0 ? value : 0;
  // 2^63 as a double; anything at or above it does not fit an int64.
  const rounded = clamped >= 9.223372036854776e18 ? INT64_MAX : BigInt(Math.round(clamped));
  return {
    metricValue: rounded.toString(),
    metricValueFloat: clamped,
  };
}
