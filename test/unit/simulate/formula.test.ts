// The scalingModifiers formula subset: precedence, the operators and functions KEDA's examples
// use, nil handling for fallback, and refusals (unknown names, wrong types, no eval).
import { Formula, FormulaError } from '../../../src/simulate/formula';

const run = (text: string, env: Record<string, number | null> = {}) =>
  new Formula(text, Object.keys(env)).evaluate(env);

test.each([
  ['(trig_one + trig_two) / 2', { trig_one: 4, trig_two: 8 }, 6],
  ['trig_one < 2 ? trig_one + trig_two : trig_one * trig_two', { trig_one: 3, trig_two: 5 }, 15],
  ['trig_one < 2 ? trig_one + trig_two : trig_one * trig_two', { trig_one: 1, trig_two: 5 }, 6],
  ['a + b * c - 2 ** 3', { a: 1, b: 2, c: 3 }, -1],
  ['-2 ** 2', {}, -4],
  ['2 ^ 3 ^ 2', {}, 512],
  ['min(a, b) + max([a, b, 7])', { a: 3, b: 9 }, 12],
  ['abs(a) + ceil(1.2) + floor(1.8) + round(2.5) + int(-1.7)', { a: -2 }, 7],
  ['float(a > 1 && b >= 2 || false ? 1 : 0)', { a: 2, b: 2 }, 1],
  ['a == 3 and not (b != 4) ? sum([a, b]) : mean(a, b)', { a: 3, b: 4 }, 7],
  ['a ?? b ?? 8', { a: null, b: null }, 8],
  ['a ?? b', { a: null, b: 2 }, 2],
  ['7 % 3 + 1e1', {}, 11],
] as const)('%s → %d', (text, env, want) => {
  expect(run(text, env as Record<string, number | null>)).toBe(want);
});

test('nil as the result is null (KEDA then uses fallback.replicas × target)', () => {
  expect(run('a ?? nil', { a: null })).toBeNull();
});

test.each([
  ['a +', /unexpected end/],
  ['a b', /unexpected "b"/],
  ['unknown_trigger * 2', /unknown name "unknown_trigger"/],
  ['process.exit(1)', /unexpected character "."/],
  ['require(1)', /unknown function "require"/],
  ['a("fs")', /unexpected character/],
  ['a > 1', /must give a number, got a bool/],
  ['a ? 1 : 2', /needs a bool/],
  ['(a', /expected "\)"/],
])('refuses %s', (text, message) => {
  expect(() => new Formula(text, ['a'])).toThrow(FormulaError);
  expect(() => new Formula(text, ['a'])).toThrow(message);
});

test('a nil trigger in arithmetic fails at run time, as in expr-lang', () => {
  const f = new Formula('a + 1', ['a']);
  expect(() => f.evaluate({ a: null })).toThrow(/needs a number, got nil/);
});
