// The HPA metric name of a trigger: stable, lower-case and path-safe, derived from what changes
// the answer unless the trigger names its metric.
import { createHash } from 'node:crypto';
import type { TriggerSpec } from '../metadata/parse-trigger';

/** Characters kept from the query in the readable part of a derived name. */
const SLUG_MAX_LENGTH = 40;

/**
 * `prom-<slug of the query>-<8 hex>`: the slug makes `kubectl get hpa` readable, the hash of
 * everything that changes the answer (source, query, namespace, parameters) keeps two triggers of
 * one ScaledObject apart, since KEDA rejects duplicate names ("metricName defined multiple times").
 * Deterministic: the same metadata always gives the same name, on every replica.
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
