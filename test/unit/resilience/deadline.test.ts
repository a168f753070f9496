// The query budget left by a caller's deadline (style.md: deadline arithmetic needs its own test).
import { DEADLINE_MARGIN_MS, queryBudget } from '../../../src/resilience/deadline';

test.each([
  [
    'no deadline: the configured timeout',
    3000,
    Infinity,
    { timeoutMs: 3000, deadlineBound: false },
  ],
  [
    'a far deadline: the configured timeout',
    3000,
    10_000,
    { timeoutMs: 3000, deadlineBound: false },
  ],
  [
    'a near deadline cuts the budget',
    3000,
    1000,
    { timeoutMs: 1000 - DEADLINE_MARGIN_MS, deadlineBound: true },
  ],
  ['a deadline inside the margin leaves nothing', 3000, DEADLINE_MARGIN_MS, undefined],
  ['a passed deadline leaves nothing', 3000, -5, undefined],
])('%s', (_name, configured, deadlineInMs, expected) => {
  const now = 1_000_000;
  expect(queryBudget(configured, now + deadlineInMs, now)).toEqual(expected);
});
