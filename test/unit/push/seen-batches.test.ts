// The set of handled batch ids: a repeat is recognised until it expires, and the set stays bounded.
import { SeenBatches } from '../../../src/push/seen-batches';

test('an id is new once, then a repeat until its TTL has passed', () => {
  let now = 1000;
  const seen = new SeenBatches({ ttlMs: 60_000, maxIds: 10, now: () => now });
  expect(seen.add('a')).toBe(true);
  expect(seen.add('a')).toBe(false);
  now += 59_999;
  expect(seen.add('a')).toBe(false);
  now += 1;
  expect(seen.add('a')).toBe(true);
});

test('expired ids are dropped as new ones arrive', () => {
  let now = 0;
  const seen = new SeenBatches({ ttlMs: 100, maxIds: 1000, now: () => now });
  for (let i = 0; i < 50; i++) seen.add(`old-${i}`);
  now = 100;
  seen.add('new');
  expect(seen.size).toBe(1);
});

test('at most maxIds are kept, the oldest going first', () => {
  const seen = new SeenBatches({ ttlMs: 60_000, maxIds: 3, now: () => 0 });
  for (const id of ['a', 'b', 'c', 'd']) expect(seen.add(id)).toBe(true);
  expect(seen.size).toBe(3);
  expect(seen.add('b')).toBe(false);
  expect(seen.add('a')).toBe(true); // forgotten: the bound wins over the TTL
});
