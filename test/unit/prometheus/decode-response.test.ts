// Prometheus API envelopes → QueryResult or a classified error (KEDA ExecutePromQuery's cases).
import { isScalerError } from '../../../src/errors';
import type { ScalerErrorKind } from '../../../src/errors';
import { decodeQueryResponse, parseSampleValue } from '../../../src/prometheus/decode-response';

const ok = (data: unknown): string => JSON.stringify({ status: 'success', data });
const vector = (...values: string[]): string =>
  ok({
    resultType: 'vector',
    result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1, v] })),
  });

test.each([
  ['a number', '42.5', 42.5],
  ['an exponent', '1e-3', 0.001],
  ['NaN', 'NaN', NaN],
  ['+Inf', '+Inf', Infinity],
  ['-Inf', '-Inf', -Infinity],
  ['not a number', 'abc', undefined],
  ['empty', '', undefined],
  ['null', null, undefined],
])('parseSampleValue reads %s', (_name, text, expected) => {
  expect(parseSampleValue(text)).toEqual(expected);
});

describe('successful results', () => {
  test.each([
    ['one-series vector', vector('3'), { kind: 'vector', samples: [3] }],
    ['empty vector', vector(), { kind: 'vector', samples: [] }],
    ['several series', vector('1', '2'), { kind: 'vector', samples: [1, 2] }],
    ['scalar', ok({ resultType: 'scalar', result: [1, '7'] }), { kind: 'scalar', value: 7 }],
    ['NaN sample', vector('NaN'), { kind: 'vector', samples: [NaN] }],
  ])('%s', (_name, body, expected) => {
    expect(decodeQueryResponse('s', 200, body)).toEqual(expected);
  });
});

describe('failures are classified', () => {
  const errorBody = (errorType: string, error: string): string =>
    JSON.stringify({ status: 'error', errorType, error });

  test.each<[string, number, string, ScalerErrorKind, RegExp]>([
    [
      "400 bad PromQL keeps Prometheus's text",
      400,
      errorBody('bad_data', 'parse error at char 5'),
      'bad_query',
      /prometheus rejected the query: parse error at char 5/,
    ],
    [
      '422 unexecutable query',
      422,
      errorBody('execution', 'many-to-many matching'),
      'bad_query',
      /many-to-many/,
    ],
    [
      "503 timeout is the source's problem",
      503,
      errorBody('timeout', 'query timed out'),
      'unavailable',
      /source "s" failed the query \(HTTP 503, timeout\)/,
    ],
    [
      '200 with status error and errorType bad_data',
      200,
      errorBody('bad_data', 'x'),
      'bad_query',
      /rejected/,
    ],
    [
      '500 HTML from a proxy',
      500,
      '<html>oops</html>',
      'unavailable',
      /malformed response \(HTTP 500\): the body is not JSON/,
    ],
    ['502 JSON without status', 502, '{}', 'unavailable', /answered HTTP 502/],
    ['body is not JSON', 200, 'not json', 'unavailable', /not JSON/],
    ['missing data', 200, JSON.stringify({ status: 'success' }), 'unavailable', /missing/],
    [
      'matrix result',
      200,
      ok({ resultType: 'matrix', result: [] }),
      'bad_query',
      /range vector \(matrix\)/,
    ],
    [
      'string result',
      200,
      ok({ resultType: 'string', result: [1, 'x'] }),
      'bad_query',
      /returned a string/,
    ],
    [
      'unknown resultType',
      200,
      ok({ resultType: 'histogram', result: [] }),
      'unavailable',
      /unknown resultType/,
    ],
    [
      'vector sample without value',
      200,
      ok({ resultType: 'vector', result: [{ metric: {} }] }),
      'unavailable',
      /without a value/,
    ],
    [
      'vector sample with a null value',
      200,
      ok({ resultType: 'vector', result: [{ value: [1, null] }] }),
      'unavailable',
      /without a value/,
    ],
    [
      'vector sample with one element',
      200,
      ok({ resultType: 'vector', result: [{ value: [1] }] }),
      'unavailable',
      /without a value/,
    ],
    [
      'scalar without value',
      200,
      ok({ resultType: 'scalar', result: [1] }),
      'unavailable',
      /scalar without a value/,
    ],
  ])('%s', (_name, httpStatus, body, kind, message) => {
    try {
      decodeQueryResponse('s', httpStatus, body);
    } catch (e) {
      expect(isScalerError(e) && e.kind).toBe(kind);
      expect((e as Error).message).toMatch(message);
      return;
    }
    throw new Error('expected an error');
  });
});
