// Metadata → a ready-to-run trigger (parsed spec, source, metric name), memoised because
// GetMetricSpec, GetMetrics and IsActive each arrive with the same map on every poll.
import { LRUCache } from 'lru-cache';
import { isScalerError } from '../errors';
import type { ScalerError } from '../errors';
import type { TriggerLimits, TriggerSpec } from '../metadata/parse-trigger';
import { DEFAULT_METADATA_BOUNDS, checkMetadataBounds } from '../metadata/metadata-bounds';
import { parseTrigger } from '../metadata/parse-trigger';
import type { Source } from '../sources/source';
import type { SourceRegistry } from '../sources/source-registry';
import { compactKey } from '../util/compact-key';
import { DEFAULTS } from '../config/schema';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { deriveMetricName } from './metric-name';

export interface ResolvedTrigger {
  spec: TriggerSpec;
  source: Source;
  metricName: string;
  /**
   * Estimated memory this trigger keeps alive (bytes): its parsed text and the cache keys made
   * from it. Counted by the resolver's memo and by each cache entry whose query holds it.
   */
  approxBytes?: number;
}

/** The resolver memo's bounds: entries, and estimated bytes (config `cache.triggerMemoMaxBytes`). */
export interface MemoBounds {
  maxEntries: number;
  maxBytes: number;
}

/**
 * Distinct metadata maps remembered. Each ordinary entry is a few hundred bytes; 10,000 covers the
 * largest clusters reported (~1,500 ScaledObjects, kedacore/keda #3670) several times over.
 */
export const TRIGGER_MEMO_MAX_ENTRIES = 10_000;

/**
 * Fixed cost of one memo entry besides its text (bytes): the map slot, the spec object with its
 * twenty fields, the source reference, the metric name. An estimate, of the order of the 700
 * bytes a cache entry was measured at (docs/performance.md "Performance").
 */
const ENTRY_OVERHEAD_BYTES = 1000;

/**
 * Heap per character of metadata text that a valid trigger and its cache entry keep (bytes):
 * bench/resources.ts measured about 31 kB per distinct 20 kB query (1.5 per character: the parsed
 * values, one-byte strings); 2 also covers text stored as two-byte strings.
 */
const BYTES_PER_METADATA_CHAR = 2;

/**
 * The largest entry the metadata bounds admit (a failure keeps less: its message, at most 1 KiB,
 * and the key, a digest when long). The memo's budget is at least this, so the newest map is
 * always remembered, whatever `triggerMemoMaxBytes` says.
 */
const LARGEST_ENTRY_BYTES =
  ENTRY_OVERHEAD_BYTES + BYTES_PER_METADATA_CHAR * DEFAULT_METADATA_BOUNDS.maxTotalLength + 1024;

/** The metadata map as one string, keys sorted: KEDA's Go client sends map entries in random
 * order. Cheaper than JSON.stringify of sorted entries on this per-call path. */
function memoText(metadata: Readonly<Record<string, string>>): string {
  const keys = Object.keys(metadata).sort();
  let out = '';
  for (const k of keys) {
    const v = metadata[k] ?? '';
    // Length-prefixed, so no choice of characters in keys or values can make two maps collide.
    out += `${k.length}:${k}${v.length}:${v}`;
  }
  return out;
}

type Entry = ({ ok: true; trigger: ResolvedTrigger } | { ok: false; error: ScalerError }) & {
  bytes: number;
};

export class TriggerResolver {
  /**
   * Keyed by the compact key of the map's text: a long map, valid or not, costs a digest. The
   * least recently used go first when either bound is passed (lru-cache: a hit is a lookup and a
   * move in its linked list, no Map delete and re-insert).
   */
  private readonly memo: LRUCache<string, Entry>;

  constructor(
    private readonly registry: SourceRegistry,
    private readonly limits: TriggerLimits,
    bounds: MemoBounds = {
      maxEntries: TRIGGER_MEMO_MAX_ENTRIES,
      maxBytes: DEFAULTS.cache.triggerMemoMaxBytes,
    },
    private readonly logger?: Logger,
    private readonly metrics?: Pick<Metrics, 'metadataWarning'>,
  ) {
    this.memo = new LRUCache<string, Entry>({
      max: bounds.maxEntries,
      maxSize: Math.max(bounds.maxBytes, LARGEST_ENTRY_BYTES),
      sizeCalculation: entry => entry.bytes,
    });
  }

  /** Estimated memory of the memo (bytes); kept at most `maxBytes` (or one largest entry). */
  get bytes(): number {
    return this.memo.calculatedSize;
  }

  get size(): number {
    return this.memo.size;
  }

  /**
   * The same metadata always gives the same answer (config is fixed for the process), so
   * failures are remembered too: a broken trigger polled every 30 s costs one parse. What a
   * failure keeps is its message (at most 1 KiB, errors.ts) and the digest of a long map, never
   * the map's text.
   *
   * The source's namespace rule is checked after the memo, on every call: the memo is keyed by
   * metadata alone, and the same metadata may arrive from any namespace. `namespace` is
   * ScaledObjectRef.namespace; null only for the operator's own `check` command.
   *
   * @throws {@link ScalerError} `invalid_metadata` or `permission_denied`.
   */
  resolve(metadata: Readonly<Record<string, string>>, namespace: string | null): ResolvedTrigger {
    // Oversized maps are refused before their text becomes a memo key that would be kept.
    checkMetadataBounds(metadata);
    const text = memoText(metadata);
    const key = compactKey(text);
    let entry = this.memo.get(key);
    if (entry === undefined) {
      entry = this.compute(metadata, text.length, key.length);
      this.memo.set(key, entry);
    }
    if (!entry.ok) throw entry.error;
    if (namespace !== null) entry.trigger.source.checkNamespace(namespace);
    return entry.trigger;
  }

  private compute(
    metadata: Readonly<Record<string, string>>,
    textLength: number,
    keyLength: number,
  ): Entry {
    try {
      const spec = parseTrigger(metadata, this.limits);
      const source = this.registry.resolve(spec.source);
      // Once per trigger: resolve() memoises this result for every later call with the map.
      for (const notice of spec.notices ?? []) {
        this.logger?.warn({ source: source.name, query: spec.query.slice(0, 200) }, notice);
      }
      // Keys accepted and ignored: gRPC has no warning channel, so the log and a counter.
      for (const warning of spec.warnings ?? []) {
        this.logger?.warn(
          { source: source.name, query: spec.query.slice(0, 200), key: warning.key },
          warning.message,
        );
        this.metrics?.metadataWarning(warning.kind);
      }
      const approxBytes = ENTRY_OVERHEAD_BYTES + BYTES_PER_METADATA_CHAR * textLength;
      return {
        ok: true,
        trigger: { spec, source, metricName: deriveMetricName(spec, source.name), approxBytes },
        bytes: approxBytes + keyLength,
      };
    } catch (e) {
      if (isScalerError(e)) {
        return {
          ok: false,
          error: e,
          bytes: ENTRY_OVERHEAD_BYTES + keyLength + 2 * e.message.length,
        };
      }
      throw e;
    }
  }
}
