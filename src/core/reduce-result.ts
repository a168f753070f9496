// QueryResult → one number, under the trigger's ignoreNullValues and multipleSeries policy
// (KEDA prometheus_scaler.go ExecutePromQuery; here scalars are accepted and aggregation is
// opt-in).
import { ScalerError } from '../errors';
import type { MultipleSeriesPolicy } from '../metadata/parse-trigger';
import type { QueryResult } from '../prometheus/decode-response';

export interface ReducePolicy {
  ignoreNullValues: boolean;
  multipleSeries: MultipleSeriesPolicy;
}

/**
 * The trigger's value. Negative values are returned as they are (activation compares the raw
 * value, as the built-in does); clamping for the HPA happens in the GetMetrics response.
 *
 * @throws {@link ScalerError} `no_data` (empty / non-finite with ignoreNullValues=false) or
 * `bad_query` (several series with multipleSeries=error).
 */
export function reduceResult(result: QueryResult, policy: ReducePolicy): number {
  // The common case, one finite sample, without allocating (runs on every cached answer).
  if (result.kind === 'scalar' && Number.isFinite(result.value)) return result.value;
  if (result.kind === 'vector' && result.samples.length === 1) {
    const only = result.samples[0] as number;
    if (Number.isFinite(only)) return only;
  }
  const samples = result.kind === 'scalar' ? [result.value] : result.samples;
  if (samples.length === 0) {
    if (policy.ignoreNullValues) return 0;
    throw new ScalerError(
      'no_data',
      'the query returned an empty result (no series); the target may be lost. Set ' +
        'ignoreNullValues=true to treat an empty result as 0',
    );
  }
  if (samples.length > 1 && policy.multipleSeries === 'error') {
    throw new ScalerError(
      'bad_query',
      `the query returned multiple elements (${samples.length} series); aggregate it in PromQL ` +
        '(e.g. sum(...)) or set multipleSeries to sum, max, min or avg',
    );
  }
  const finite = samples.map(v => {
    if (Number.isFinite(v)) return v;
    // NaN and ±Inf count as 0 under the built-in's default (KEDA ExecutePromQuery, kedacore/keda
    // #7475, #3644).
    if (policy.ignoreNullValues) return 0;
    throw new ScalerError(
      'no_data',
      `the query returned ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}; set ` +
        'ignoreNullValues=true to treat it as 0',
    );
  });
  return combine(finite, policy.multipleSeries);
}

function combine(values: number[], policy: MultipleSeriesPolicy): number {
  switch (policy) {
    case 'error':
      return values[0] ?? 0;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}
