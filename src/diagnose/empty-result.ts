// Whether a query result is "nothing" (no series, or only NaN) and the one-line statement of
// what KEDA then sees, shared by `check` and the server's debug log.
import type { QueryResult } from '../prometheus/decode-response';

export type Emptiness = 'no series' | 'NaN';

/** 'no series' for an empty vector, 'NaN' when every sample is NaN, else undefined. */
export function emptiness(result: QueryResult): Emptiness | undefined {
  // Allocation-free: this runs on every evaluation while the server logs at debug level.
  if (result.kind === 'scalar') return Number.isNaN(result.value) ? 'NaN' : undefined;
  if (result.samples.length === 0) return 'no series';
  return result.samples.every(v => Number.isNaN(v)) ? 'NaN' : undefined;
}

/** "no series: the query returned an empty result; ..." for the first line of a diagnosis. */
export function describeEmptiness(
  kind: Emptiness,
  queryKey: 'query' | 'activationQuery',
  ignoreNullValues: boolean,
): string {
  const what =
    kind === 'no series'
      ? `the ${queryKey} returned an empty result`
      : `the ${queryKey} returned NaN (e.g. 0/0 while nothing happens)`;
  const effect = ignoreNullValues
    ? 'with ignoreNullValues=true (the default) KEDA sees 0, so this trigger would scale on a constant 0'
    : 'with ignoreNullValues=false the scaler answers FAILED_PRECONDITION, so KEDA uses its fallback';
  return `${kind}: ${what}; ${effect}`;
}
