// KEDA's value grammar (typed_config.go): JSON numbers, Go booleans, k=v maps, durations.
import {
  parseDurationMs,
  parseUnitDurationMs,
  parseGoBool,
  parseJsonNumber,
  parseKeyValueMap,
} from '../../../src/util/parse-values';

describe('parseJsonNumber: Go encoding/json number grammar', () => {
  test.each([
    ['integer', '100', 100],
    ['decimal', '100.50', 100.5],
    ['negative', '-5', -5],
    ['exponent', '1e3', 1000],
    ['signed exponent', '2.5E-1', 0.25],
    ['zero', '0', 0],
  ])('accepts %s (%s)', (_name, text, expected) => {
    expect(parseJsonNumber(text)).toEqual({ ok: true, value: expected });
  });

  test.each([
    ['leading dot', '.5'],
    ['trailing dot', '5.'],
    ['plus sign', '+5'],
    ['leading zero', '01'],
    ['hex', '0x10'],
    ['NaN', 'NaN'],
    ['Inf', 'Inf'],
    ['underscore', '1_000'],
    ['word', 'abc'],
    ['overflow', '1e999'],
    ['inner space', '1 0'],
  ])('rejects %s (%s)', (_name, text) => {
    expect(parseJsonNumber(text).ok).toBe(false);
  });
});

describe('parseGoBool: strconv.ParseBool set', () => {
  test.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('%s is true', text => {
    expect(parseGoBool(text)).toEqual({ ok: true, value: true });
  });
  test.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('%s is false', text => {
    expect(parseGoBool(text)).toEqual({ ok: true, value: false });
  });
  test.each(['yes', 'no', 'on', 'tRUE', '2', 'y'])('%s is rejected', text => {
    expect(parseGoBool(text).ok).toBe(false);
  });
});

describe('parseKeyValueMap: k=v,k=v', () => {
  test.each([
    ['one pair', 'a=b', { a: 'b' }],
    ['pairs are trimmed', ' a = b , c=d ', { a: 'b', c: 'd' }],
    ['empty value', 'a=', { a: '' }],
    ['later key wins', 'a=1,a=2', { a: '2' }],
  ])('%s', (_name, text, expected) => {
    expect(parseKeyValueMap(text)).toEqual({ ok: true, value: expected });
  });
  test.each([
    ['missing =', 'key1=value1,key2'],
    ['trailing comma', 'a=b,'],
    ['= inside a value', 'a=b=c'],
    ['empty key', '=b'],
  ])('rejects %s', (_name, text) => {
    expect(parseKeyValueMap(text).ok).toBe(false);
  });
});

describe('parseDurationMs: Go duration or whole milliseconds', () => {
  test.each([
    ['milliseconds as a number', '3000', 3000],
    ['zero', '0', 0],
    ['ms', '500ms', 500],
    ['seconds', '3s', 3000],
    ['compound', '1m30s', 90_000],
    ['fraction', '1.5s', 1500],
    ['hours', '1h', 3_600_000],
    ['microseconds', '1500us', 1.5],
    ['explicit plus', '+2s', 2000],
  ])('%s: %s', (_name, text, expected) => {
    expect(parseDurationMs(text)).toEqual({ ok: true, value: expected });
  });
  test.each([
    ['negative number', '-1', /negative/],
    ['negative duration', '-1s', /negative/],
    ['no unit', '1.5', /duration/],
    ['unknown unit', '3d', /duration/],
    ['word', 'a', /duration/],
    ['space', '1 s', /duration/],
  ])('rejects %s (%s)', (_name, text, rule) => {
    const parsed = parseDurationMs(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rule).toMatch(rule);
  });
});

describe('parseUnitDurationMs: our own durations need a unit', () => {
  test.each([
    ['3', '"3s" for seconds or "3ms" for milliseconds'],
    ['+15', '"15s" for seconds or "15ms" for milliseconds'],
    ['1.5', '"1.5s" for seconds or "1.5ms" for milliseconds'],
  ])('a bare %s is refused with the fix', (text, fix) => {
    expect(parseUnitDurationMs(text)).toEqual({ ok: false, rule: `needs a unit: write ${fix}` });
  });
  test('with a unit, as KEDA reads it', () => {
    expect(parseUnitDurationMs('1m30s')).toEqual({ ok: true, value: 90_000 });
    expect(parseUnitDurationMs('-1s')).toEqual({ ok: false, rule: 'must not be negative' });
    // Zero needs no unit.
    expect(parseUnitDurationMs('0')).toEqual({ ok: true, value: 0 });
  });
});
