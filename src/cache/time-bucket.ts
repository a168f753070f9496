// Time-bucket arithmetic shared by the result cache and the activation watchers: a TTL (or an
// activationInterval) cuts time into buckets, and work is spread just after each boundary.

/** The start (unix ms) of the bucket of length `ttlMs` that holds `nowMs`. */
export function bucketStart(nowMs: number, ttlMs: number): number {
  return Math.floor(nowMs / ttlMs) * ttlMs;
}

/** Milliseconds from `nowMs` to the start of the next bucket of length `ttlMs`. */
export function msToNextBucket(nowMs: number, ttlMs: number): number {
  return bucketStart(nowMs, ttlMs) + ttlMs - nowMs;
}

/**
 * A per-key delay after a boundary, spread over the first tenth of a bucket (at most 1 s) so that
 * K keys with the same TTL do not hit Prometheus in the same millisecond. Stable for a key.
 */
export function jitterMs(key: string, ttlMs: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % Math.max(1, Math.min(1000, Math.floor(ttlMs / 10)));
}
