// Concurrency limit with round-robin between namespaces.
import { FairLimiter } from '../../../src/resilience/fair-limiter';

const never = new AbortController().signal;
const timeout = (): Error => new Error('timed out');

test('admits up to the limit at once', async () => {
  const limiter = new FairLimiter(2);
  await limiter.acquire('a', 1000, never, timeout);
  await limiter.acquire('a', 1000, never, timeout);
  expect(limiter.inFlight).toBe(2);
});

test('a freed slot goes to namespaces in turn, not to the one with the longest queue', async () => {
  const limiter = new FairLimiter(1);
  const first = await limiter.acquire('busy', 1000, never, timeout);
  const order: string[] = [];
  const wait = (ns: string): Promise<void> =>
    limiter.acquire(ns, 1000, never, timeout).then(slot => {
      order.push(ns);
      slot.release();
    });
  const all = Promise.all([wait('busy'), wait('busy'), wait('busy'), wait('quiet'), wait('other')]);
  first.release();
  await all;
  expect(order).toEqual(['busy', 'quiet', 'other', 'busy', 'busy']);
});

describe('with fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('a waiter that gets no slot in time is rejected and leaves the queue', async () => {
    const limiter = new FairLimiter(1);
    await limiter.acquire('a', 1000, never, timeout);
    const waiting = limiter.acquire('b', 500, never, timeout);
    expect(limiter.waiting).toBe(1);
    jest.advanceTimersByTime(500);
    await expect(waiting).rejects.toThrow('timed out');
    expect(limiter.waiting).toBe(0);
  });

  test('a cancelled waiter leaves the queue and the next one gets the slot', async () => {
    const limiter = new FairLimiter(1);
    const release = await limiter.acquire('a', 1000, never, timeout);
    const controller = new AbortController();
    const cancelled = limiter.acquire('b', 1000, controller.signal, timeout);
    const next = limiter.acquire('c', 1000, never, timeout);
    controller.abort(new Error('gone'));
    await expect(cancelled).rejects.toThrow('gone');
    release.release();
    await expect(next).resolves.toHaveProperty('release');
    expect(limiter.inFlight).toBe(1);
  });
});
