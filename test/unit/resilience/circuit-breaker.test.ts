// Breaker transitions with an injected clock: no sleeps.
import { CircuitBreaker } from '../../../src/resilience/circuit-breaker';

function setup(closeAfterSuccesses = 2) {
  let now = 0;
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    openMs: 10_000,
    closeAfterSuccesses,
    now: () => now,
  });
  const fail = (): void => {
    const d = breaker.tryAcquire();
    if (!d.ok) throw new Error('expected to be admitted');
    d.ticket.failure();
  };
  const succeed = (): void => {
    const d = breaker.tryAcquire();
    if (!d.ok) throw new Error('expected to be admitted');
    d.ticket.success();
  };
  return { breaker, fail, succeed, advance: (ms: number) => (now += ms) };
}

test('stays closed below the failure threshold, and a success resets the count', () => {
  const { breaker, fail, succeed } = setup();
  fail();
  fail();
  succeed();
  fail();
  fail();
  expect(breaker.state).toBe('closed');
});

test('opens after consecutive failures and refuses until openMs has passed', () => {
  const { breaker, fail, advance } = setup();
  fail();
  fail();
  fail();
  expect(breaker.state).toBe('open');
  const refused = breaker.tryAcquire();
  expect(refused).toEqual({ ok: false, retryInMs: 10_000 });
  advance(9_999);
  expect(breaker.tryAcquire().ok).toBe(false);
  advance(1);
  expect(breaker.state).toBe('half_open');
});

test('half-open admits every request: a probe that reports nothing holds no one out', () => {
  const { breaker, fail, advance } = setup();
  fail();
  fail();
  fail();
  advance(10_000);
  const probe = breaker.tryAcquire();
  expect(probe.ok).toBe(true);
  // Another caller's request while the first probe still runs (a slow query that will report
  // nothing, say) is let through too.
  expect(breaker.tryAcquire().ok).toBe(true);
  if (probe.ok) probe.ticket.release();
  expect(breaker.state).toBe('half_open');
});

test('closes after closeAfterSuccesses good probes', () => {
  const { breaker, fail, succeed, advance } = setup(2);
  fail();
  fail();
  fail();
  advance(10_000);
  succeed();
  expect(breaker.state).toBe('half_open');
  succeed();
  expect(breaker.state).toBe('closed');
});

test('a failed probe opens it again for a full openMs', () => {
  const { breaker, fail, advance } = setup();
  fail();
  fail();
  fail();
  advance(10_000);
  fail();
  expect(breaker.state).toBe('open');
  advance(9_999);
  expect(breaker.state).toBe('open');
});

test('a ticket counts once, however often it is reported', () => {
  const { breaker } = setup();
  const d = breaker.tryAcquire();
  if (!d.ok) throw new Error('expected to be admitted');
  d.ticket.failure();
  d.ticket.failure();
  d.ticket.failure();
  expect(breaker.consecutiveFailures).toBe(1);
});

test('a failure with Retry-After opens at once for that long, whatever the count', () => {
  const { breaker, advance } = setup();
  const d = breaker.tryAcquire();
  if (!d.ok) throw new Error('expected to be admitted');
  d.ticket.failure(60_000);
  expect(breaker.state).toBe('open');
  const refused = breaker.tryAcquire();
  expect(refused).toEqual({ ok: false, retryInMs: 60_000 });
  expect(breaker.openedByRetryAfter).toBe(true);
  advance(59_999);
  expect(breaker.state).toBe('open');
  advance(1);
  expect(breaker.state).toBe('half_open');
});

test('an open breaker reports the failures that opened it, even after a late success', () => {
  const { breaker, fail } = setup();
  // Admitted while closed, answered only after three others failed and opened the breaker.
  const slow = breaker.tryAcquire();
  fail();
  fail();
  fail();
  expect(breaker.state).toBe('open');
  if (slow.ok) slow.ticket.success();
  expect(breaker.state).toBe('open');
  expect(breaker.consecutiveFailures).toBe(3);
});
