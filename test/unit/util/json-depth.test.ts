// The nesting scan that guards JSON.parse: strings and escapes do not count, it stops early.
import { nestingDepth } from '../../../src/util/json-depth';

test.each([
  ['1', 0],
  ['[]', 1],
  ['{"a":[1,{"b":[]}]}', 4],
  ['{"a":"[[[[{{{{"}', 1],
  ['{"a":"\\"[[[["}', 1],
  ['["\\\\",[[]]]', 3],
])('%s is %i deep', (text, depth) => {
  expect(nestingDepth(text, 100)).toBe(depth);
});

test('a Prometheus instant-query answer is 5 deep', () => {
  const answer = JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1, '2'] }] },
  });
  expect(nestingDepth(answer, 32)).toBe(5);
});

test('it stops as soon as the limit is passed', () => {
  expect(nestingDepth('['.repeat(1_000_000), 32)).toBe(33);
});
