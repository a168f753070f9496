// Prometheus API envelopes → QueryResult or a classified error (KEDA ExecutePromQuery's cases).
import { isScalerError } from '../../../src/errors';
import type { ScalerErrorKind } from '../../../src/errors';
import type { BodyRead } from '../../../src/prometheus/decode-response';
import { decodeQueryResponse, parseSampleValue } from '../../../src/prometheus/decode-response';
import { Redactor } from '../../../src/prometheus/redact';

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

/** A body read whole, and no secrets to redact. */
const whole = (text: string): BodyRead => ({ text, truncated: false });
const same = (text: string): string => text;

describe('successful results', () => {
  test.each([
    ['one-series vector', vector('3'), { kind: 'vector', samples: [3] }],
    ['empty vector', vector(), { kind: 'vector', samples: [] }],
    ['several series', vector('1', '2'), { kind: 'vector', samples: [1, 2] }],
    ['scalar', ok({ resultType: 'scalar', result: [1, '7'] }), { kind: 'scalar', value: 7 }],
    ['NaN sample', vector('NaN'), { kind: 'vector', samples: [NaN] }],
  ])('%s', (_name, body, expected) => {
    expect(decodeQueryResponse('s', 200, whole(body), same)).toEqual(expected);
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
      decodeQueryResponse('s', httpStatus, whole(body), same);
    } catch (e) {
      expect(isScalerError(e) && e.kind).toBe(kind);
      expect((e as Error).message).toMatch(message);
      return;
    }
    throw new Error('expected an error');
  });
});

describe("Prometheus's own text is redacted and cut short", () => {
  function messageOf(httpStatus: number, body: BodyRead, secrets: string[] = []): string {
    try {
      decodeQueryResponse('s', httpStatus, body, new Redactor(secrets).redact);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected an error');
  }

  test('a 400 whose text is 1 MB gives its start and its size, not 1 MB', () => {
    const error = `parse error: ${'x'.repeat(1_000_000)}`;
    const message = messageOf(400, whole(JSON.stringify({ status: 'error', error })));
    expect(message).toMatch(/^prometheus rejected the query: parse error: x+… \(1000013 bytes\)$/);
    expect(message.length).toBeLessThan(600);
  });

  test("the start of a long error body still gives Prometheus's error text", () => {
    const full = JSON.stringify({
      status: 'error',
      errorType: 'bad_data',
      error: 'bad \u00e9 "x"',
    });
    const message = messageOf(400, { text: full.slice(0, -3), truncated: true });
    expect(message).toBe('prometheus rejected the query: bad é "x');
  });

  test('a long non-JSON error body shows its start', () => {
    const message = messageOf(503, { text: '<html>'.repeat(600), truncated: true });
    expect(message).toMatch(
      /^source "s" failed the query \(HTTP 503, error\): (<html>)+<h… \(3600 bytes\)$/,
    );
  });

  test('echoed secrets are replaced, in plain, JSON-escaped and cut-off forms', () => {
    const token = 'tok"en-0123456789';
    const error = `headers: ${JSON.stringify({ authorization: `Bearer ${token}`, 'x-tenant': 'team-a' })}`;
    const body = JSON.stringify({ status: 'error', errorType: 'bad_data', error });
    expect(messageOf(400, whole(body), [token, 'team-a'])).toBe(
      'prometheus rejected the query: headers: {"authorization":"Bearer [REDACTED]","x-tenant":"[REDACTED]"}',
    );
    // The raw (still JSON-escaped) start of a body cut inside the token.
    const cut = `{"status":"error","error":"Bearer tok\\"en-01`;
    expect(messageOf(400, { text: cut, truncated: true }, [token])).toBe(
      'prometheus rejected the query: Bearer [REDACTED]',
    );
  });
});
