// Metadata → a ready-to-run trigger (parsed spec, source, metric name), memoised because
// GetMetricSpec, GetMetrics and IsActive each arrive with the same map on every poll.
import { isScalerError } from '../errors';
import type { ScalerError } from '../errors';
import type { TriggerLimits, TriggerSpec } from '../metadata/parse-trigger';
import { parseTrigger } from '../metadata/parse-trigger';
import type { Source } from '../sources/source';
import type { SourceRegistry } from '../sources/source-registry';
import { deriveMetricName } from './metric-name';

export interface ResolvedTrigger {
  spec: TriggerSpec;
  source: Source;
  metricName: string;
}

/**
 * Distinct metadata maps remembered. Each entry is a few hundred bytes; 10,000 covers the largest
 * clusters reported (~1,500 ScaledObjects, keda.md 7) several times over.
 */
const DEFAULT_MAX_ENTRIES = 10_000;

/** The metadata map as one string, keys sorted: KEDA's Go client sends map entries in random
 * order. Cheaper than JSON.stringify of sorted entries on this per-call path. */
function memoKey(metadata: Readonly<Record<string, string>>): string {
  const keys = Object.keys(metadata).sort();
  let out = '';
  for (const k of keys) {
    const v = metadata[k] ?? '';
    // Length-prefixed, so no choice of characters in keys or values can make two maps collide.
    out += `${k.length}:${k}${v.length}:${v}`;
  }
  return out;
}

type Entry = { ok: true; trigger: ResolvedTrigger } | { ok: false; error: ScalerError };

export class TriggerResolver {
  private readonly memo = new Map<string, Entry>();

  constructor(
    private readonly registry: SourceRegistry,
    private readonly limits: TriggerLimits,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /**
   * The same metadata always gives the same answer (config is fixed for the process), so
   * failures are remembered too: a broken trigger polled every 30 s costs one parse.
   *
   * @throws {@link ScalerError} `invalid_metadata` or `permission_denied`.
   */
  resolve(metadata: Readonly<Record<string, string>>): ResolvedTrigger {
    const key = memoKey(metadata);
    let entry = this.memo.get(key);
    if (entry !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.memo.delete(key);
    } else {
      entry = this.compute(metadata);
    }
    this.memo.set(key, entry);
    if (this.memo.size > this.maxEntries) {
      this.memo.delete(this.memo.keys().next().value as string);
    }
    if (!entry.ok) throw entry.error;
    return entry.trigger;
  }

  private compute(metadata: Readonly<Record<string, string>>): Entry {
    try {
      const spec = parseTrigger(metadata, this.limits);
      const source = this.registry.resolve(spec.source);
      return {
        ok: true,
        trigger: { spec, source, metricName: deriveMetricName(spec, source.name) },
      };
    } catch (e) {
      if (isScalerError(e)) return { ok: false, error: e };
      throw e;
    }
  }
}
