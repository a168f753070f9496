// The HPA metric KEDA gets for a trigger: a stable, lower-case, path-safe name and the threshold.
import { createHash } from 'node:crypto';
import type { TriggerSpec } from '../metadata/parse-trigger';

/** What GetMetricSpec returns for one trigger (int64 as a decimal string for proto-loader). */
export interface MetricSpecMessage {
  metricName: string;
  targetSize: string;
  targetSizeFloat: number;
}

/** Characters kept from the query in the readable part of a derived name. */
const SLUG_MAX_LENGTH = 40;

/**
 * `prom-<slug of the query>-<8 hex>`: the slug makes `kubectl get hpa` readable, the hash of
 * everything that changes the answer (source, query, namespace, parameters) keeps two triggers of
 * one ScaledObject apart, since KEDA rejects duplicate names (keda.md 2.7). Deterministic: the
 * same metadata always gives the same name, on every replica.
 */
export function deriveMetricName(spec: TriggerSpec, sourceName: string): string {
  if (spec.metricName !== undefined) return spec.metricName;
  const identity = JSON.stringify([
    sourceName,
    spec.query,
    spec.namespace ?? '',
    Object.entries(spec.queryParameters).sort(),
  ]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  const slug = spec.query
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? `prom-${hash}` : `prom-${slug}-${hash}`;
}

/**
 * The spec for one trigger. `targetSizeFloat` is the threshold; `targetSize` is for KEDA older
 * than 2.17, which reads only int64 fields (keda.md 1): the threshold rounded, and at least 1
 * because the HPA rejects a zero target (keda.md 2.6).
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
 * it is > 0 and would otherwise read the int, keda.md 2.6); the int field is the rounded value.
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
