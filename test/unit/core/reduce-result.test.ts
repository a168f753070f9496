// Result handling (KEDA ExecutePromQuery's cases plus ours), one named case per row.
import { isScalerError } from '../../../src/errors';
import type { ScalerErrorKind } from '../../../src/errors';
import type { QueryResult } from '../../../src/prometheus/decode-response';
import type { ReducePolicy } from '../../../src/core/reduce-result';
import { reduceResult } from '../../../src/core/reduce-result';

const vector = (...samples: number[]): QueryResult => ({ kind: 'vector', samples });
const lenient: ReducePolicy = { ignoreNullValues: true, multipleSeries: 'error' };
const strict: ReducePolicy = { ignoreNullValues: false, multipleSeries: 'error' };

test.each<[string, QueryResult, ReducePolicy, number]>([
  ['one-series vector gives its value', vector(12.5), strict, 12.5],
  ['negative value is kept for activation', vector(-3), strict, -3],
  ['empty vector is 0 with ignoreNullValues', vector(), lenient, 0],
  ['NaN is 0 with ignoreNullValues', vector(NaN), lenient, 0],
  ['+Inf is 0 with ignoreNullValues', vector(Infinity), lenient, 0],
  ['-Inf is 0 with ignoreNullValues', vector(-Infinity), lenient, 0],
  ['scalar is accepted', { kind: 'scalar', value: 4 }, strict, 4],
  ['several series: sum', vector(1, 2, 3), { ...strict, multipleSeries: 'sum' }, 6],
  ['several series: max', vector(1, 5, 3), { ...strict, multipleSeries: 'max' }, 5],
  ['several series: min', vector(4, 2, 3), { ...strict, multipleSeries: 'min' }, 2],
  ['several series: avg', vector(1, 2, 6), { ...strict, multipleSeries: 'avg' }, 3],
  ['one series with an aggregation policy', vector(7), { ...strict, multipleSeries: 'max' }, 7],
  [
    'NaN member counts as 0 with ignoreNullValues',
    vector(NaN, 4),
    { ...lenient, multipleSeries: 'sum' },
    4,
  ],
])('%s', (_name, result, policy, expected) => {
  expect(reduceResult(result, policy)).toBe(expected);
});

test.each<[string, QueryResult, ReducePolicy, ScalerErrorKind, RegExp]>([
  ['empty vector without ignoreNullValues', vector(), strict, 'no_data', /empty result/],
  ['NaN without ignoreNullValues', vector(NaN), strict, 'no_data', /returned NaN/],
  ['+Inf without ignoreNullValues', vector(Infinity), strict, 'no_data', /returned \+Inf/],
  ['-Inf without ignoreNullValues', vector(-Infinity), strict, 'no_data', /returned -Inf/],
  [
    'several series with multipleSeries=error',
    vector(1, 2),
    lenient,
    'bad_query',
    /multiple elements \(2 series\)/,
  ],
  [
    'NaN member without ignoreNullValues',
    vector(1, NaN),
    { ...strict, multipleSeries: 'sum' },
    'no_data',
    /NaN/,
  ],
])('%s is an error, never 0', (_name, result, policy, kind, message) => {
  try {
    reduceResult(result, policy);
  } catch (e) {
    expect(isScalerError(e) && e.kind).toBe(kind);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
});
