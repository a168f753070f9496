// What one open stream is charged against the stream byte budget (push.maxStreamBytes): a fixed
// cost for the call itself, and the parsed trigger it keeps, once per distinct trigger.
import type { ResolvedTrigger } from '../core/resolve-trigger';

/**
 * Memory of one open stream besides its trigger (bytes): grpc-js's call and HTTP/2 stream, the
 * watcher subscription, the object that holds it. bench/stream-memory.ts measured about 5 kB of
 * heap and 9 kB of RSS per stream with 10,000 streams (docs/performance.md); 8 KiB rounds up the heap.
 */
export const STREAM_OVERHEAD_BYTES = 8 * 1024;

/** Fixed part of a parsed trigger (bytes): the spec object's twenty fields and its maps. */
const SPEC_OVERHEAD_BYTES = 1000;

/**
 * Bytes per character a stream keeps of its trigger's text: 2 covers strings stored two bytes a
 * character; the query texts count twice more, since the watcher's key and the cache key hold
 * them too.
 */
const BYTES_PER_CHAR = 2;

function mapChars(map: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(map)) n += k.length + v.length;
  return n;
}

/**
 * Estimated memory an open stream's trigger keeps alive (bytes): its parsed fields only. The
 * request message and its metadata map are released once the trigger is parsed (streams.ts).
 */
export function triggerRetainedBytes(trigger: ResolvedTrigger): number {
  const { spec } = trigger;
  const queries = spec.query.length + (spec.activationQuery?.length ?? 0);
  const text =
    3 * queries +
    mapChars(spec.customHeaders) +
    mapChars(spec.queryParameters) +
    mapChars(spec.activationAlertLabels) +
    (spec.namespace?.length ?? 0) +
    (spec.activationAlert?.length ?? 0) +
    trigger.metricName.length +
    ('serverAddress' in spec.source ? (spec.source.serverAddress?.length ?? 0) : 0);
  return SPEC_OVERHEAD_BYTES + BYTES_PER_CHAR * text;
}
