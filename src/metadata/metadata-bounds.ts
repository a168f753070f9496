// Bounds on the size of a raw trigger metadata map, checked before any parsing so that no map can
// make a call expensive.
import { ScalerError } from '../errors';
import { clipName, quote } from '../util/echo';

/**
 * Bounds on the raw metadata map, checked before any other work so that no map can make a call
 * expensive. The longest real values are PromQL queries; 64 KiB is far above any hand-written
 * one and below the 1 MiB URL that Prometheus's Go HTTP server accepts (net/http
 * DefaultMaxHeaderBytes). Lengths are in UTF-16 code units (JavaScript string length).
 */
export interface MetadataBounds {
  /** Keys in one map: KEDA's own keys plus this trigger's are about 30. */
  maxKeys: number;
  /** Characters in one key: the longest known key has 21. */
  maxKeyLength: number;
  /** Characters in one value. */
  maxValueLength: number;
  /** Characters in all keys and values together. */
  maxTotalLength: number;
}

export const DEFAULT_METADATA_BOUNDS: MetadataBounds = {
  maxKeys: 64,
  maxKeyLength: 128,
  maxValueLength: 65_536,
  maxTotalLength: 262_144,
};

/**
 * Marks a map the gRPC edge did not decode (scaler/metadata-entry-guard.ts): the number of its
 * entries when over the bound, or why its bytes could not be read.
 */
const UNDECODED = Symbol('undecoded metadata');

/**
 * An empty stand-in for a map left undecoded: `entries` entries, or bytes that could not be read
 * (`problem`). checkMetadataBounds refuses it as it would refuse the decoded map.
 */
export function undecodedMetadata(why: number | { problem: string }): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, { [UNDECODED]: why });
}

/** @throws {@link ScalerError} `invalid_metadata` when the map is over a bound. */
export function checkMetadataBounds(
  metadata: Readonly<Record<string, string>>,
  bounds: MetadataBounds = DEFAULT_METADATA_BOUNDS,
): void {
  const keys = Object.keys(metadata);
  const undecoded = (metadata as { [UNDECODED]?: number | { problem: string } })[UNDECODED];
  if (typeof undecoded === 'object') {
    throw new ScalerError('invalid_metadata', `invalid trigger metadata: ${undecoded.problem}`);
  }
  const count = undecoded ?? keys.length;
  const problems: string[] = [];
  if (count > bounds.maxKeys) {
    problems.push(`metadata has ${count} keys; at most ${bounds.maxKeys} are allowed`);
  }
  let total = 0;
  for (const key of keys) {
    const value = String(metadata[key] ?? '');
    total += key.length + value.length;
    if (problems.length >= 3) continue;
    if (key.length > bounds.maxKeyLength) {
      problems.push(`key ${quote(key)}: longer than ${bounds.maxKeyLength} characters`);
    } else if (value.length > bounds.maxValueLength) {
      problems.push(
        `${clipName(key)}: value of ${value.length} characters; at most ${bounds.maxValueLength} are allowed`,
      );
    }
  }
  if (total > bounds.maxTotalLength) {
    problems.push(
      `metadata is ${total} characters in all; at most ${bounds.maxTotalLength} are allowed`,
    );
  }
  if (problems.length > 0) {
    throw new ScalerError('invalid_metadata', `invalid trigger metadata: ${problems.join('; ')}`);
  }
}
