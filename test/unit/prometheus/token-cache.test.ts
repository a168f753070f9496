// The token cache's rules with a fake clock: reuse before the refresh point, a background refresh
// between it and expiry, a wait after expiry, one fetch in flight, and no remembered failure.
import { TokenCache } from '../../../src/prometheus/auth/token-cache';

function setup(lifetimeMs: number) {
  let now = 1_000_000;
  let fetches = 0;
  let fail = false;
  const cache = new TokenCache(
    async () => {
      fetches += 1;
      await Promise.resolve();
      if (fail) throw new Error('endpoint down');
      return { value: `t${fetches}`, expiresAtMs: now + lifetimeMs };
    },
    () => now,
  );
  const signal = new AbortController().signal;
  return {
    get: () => cache.get(signal),
    advance: (ms: number) => void (now += ms),
    fetches: () => fetches,
    setFail: (v: boolean) => void (fail = v),
    cache,
  };
}

test('concurrent callers share one fetch; the token is reused until the refresh point', async () => {
  const t = setup(10 * 60_000);
  expect(await Promise.all([t.get(), t.get(), t.get()])).toEqual(['t1', 't1', 't1']);
  expect(t.fetches()).toBe(1);
  t.advance(8 * 60_000); // refresh point: 60 s before expiry (lifetime 10 min)
  expect(await t.get()).toBe('t1');
  expect(t.fetches()).toBe(1);
});

test('between the refresh point and expiry the old token serves while a new one is fetched', async () => {
  const t = setup(10_000); // margin: a fifth of the lifetime, 2 s
  await t.get();
  t.advance(8_500);
  expect(await t.get()).toBe('t1');
  expect(t.fetches()).toBe(2);
  await Promise.resolve();
  await Promise.resolve();
  expect(await t.get()).toBe('t2');
  expect(t.cache.tokens()).toEqual(['t2', 't1']);
});

test('after expiry a failure is reported, not remembered: the next call fetches again', async () => {
  const t = setup(10_000);
  await t.get();
  t.advance(11_000);
  t.setFail(true);
  await expect(t.get()).rejects.toThrow('endpoint down');
  t.setFail(false);
  expect(await t.get()).toBe('t3');
});

test('a caller that gives up stops waiting without cancelling the shared fetch', async () => {
  const t = setup(10_000);
  const controller = new AbortController();
  controller.abort(new Error('caller gone'));
  const cache = t.cache;
  await expect(cache.get(controller.signal)).rejects.toThrow('caller gone');
  expect(await t.get()).toMatch(/^t\d$/);
});
