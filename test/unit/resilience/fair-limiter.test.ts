// Concurrency limit with round-robin between namespaces.
import { FairLimiter, Preempted } from '../../../src/resilience/fair-limiter';

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

describe('running queries count against the namespaces waiting on them', () => {
  /** A waiter the test does not wait for: its timeout later rejects it, quietly. */
  const waitOn = (p: Promise<unknown>): void => void p.catch(() => undefined);
  const shares = (parts: Record<string, number>, background = false) => ({
    shares: () => new Map(Object.entries(parts)),
    background,
  });

  test('a namespace over its share gives its newest slot back to one under it', async () => {
    const limiter = new FairLimiter(2);
    const b1 = await limiter.acquire('b', 1000, never, timeout);
    const b2 = await limiter.acquire('b', 1000, never, timeout);
    const a = limiter.acquire('a', 1000, never, timeout);
    // b holds 2 of 2 while a waits: its share is 1, so its newest slot is taken back.
    expect(b1.preempted.aborted).toBe(false);
    expect(b2.preempted.aborted).toBe(true);
    expect(b2.preempted.reason).toBeInstanceOf(Preempted);
    expect(b2.preempted.reason).toMatchObject({ namespace: 'b', heldSlots: 2, shareSlots: 1 });
    b2.release();
    await expect(a).resolves.toHaveProperty('release');
    expect(limiter.held()).toEqual(
      new Map([
        ['b', 1],
        ['a', 1],
      ]),
    );
  });

  test('a namespace at its share waits its turn and takes nothing back', async () => {
    const limiter = new FairLimiter(2);
    const a1 = await limiter.acquire('a', 1000, never, timeout);
    const b1 = await limiter.acquire('b', 1000, never, timeout);
    const a2 = limiter.acquire('a', 1000, never, timeout);
    expect(a1.preempted.aborted || b1.preempted.aborted).toBe(false);
    b1.release();
    await expect(a2).resolves.toHaveProperty('release');
  });

  test('coalesced callers share the charge: a query waited on by a and b is half of each', async () => {
    const limiter = new FairLimiter(2);
    const both = await limiter.acquire(shares({ a: 0.5, b: 0.5 }), 1000, never, timeout);
    const b = await limiter.acquire('b', 1000, never, timeout);
    expect(limiter.held()).toEqual(
      new Map([
        ['a', 0.5],
        ['b', 1.5],
      ]),
    );
    // c waits: the share is 2/3; b is over it, and the slot charged most to b goes.
    waitOn(limiter.acquire('c', 1000, never, timeout));
    expect(b.preempted.aborted).toBe(true);
    expect(both.preempted.aborted).toBe(false);
  });

  test('a refresh nobody waits for takes no slot back, and is the first given back', async () => {
    const limiter = new FairLimiter(2);
    const refresh = await limiter.acquire(shares({ b: 1 }, true), 1000, never, timeout);
    const waited = await limiter.acquire('b', 1000, never, timeout);
    waitOn(limiter.acquire(shares({ a: 1 }, true), 1000, never, timeout));
    expect(refresh.preempted.aborted || waited.preempted.aborted).toBe(false);
    waitOn(limiter.acquire('a', 1000, never, timeout));
    expect(refresh.preempted.aborted).toBe(true);
    expect(waited.preempted.aborted).toBe(false);
  });
});
