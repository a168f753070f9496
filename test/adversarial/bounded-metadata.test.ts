// Oversized metadata is refused with INVALID_ARGUMENT before any costly work, by the grpc-js
// client and by buf curl, while other calls and /healthz are answered.
import { status } from '@grpc/grpc-js';
import { bufCurl } from '../helpers/buf-curl';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler, timed } from './harness';

let scaler: Scaler;
beforeAll(async () => (scaler = await startScaler()));
afterAll(() => scaler.stop());

/**
 * A bound on a hang only: an oversized call is refused by a size rule (the message names it), so
 * it never reaches the costly work a deadline would have to cut short. Its time is measured by
 * bench/fuzz-event-loop.ts, not asserted here.
 */
const DEADLINE_MS = 20_000;

test.each([
  // Larger messages are refused before decoding (oversized-message.test.ts).
  ['a 700 kB unknown key', { [`x${'k'.repeat(700_000)}`]: '1' }, /longer than 128 characters/],
  ['a 200 kB query', { query: `sum(${'a'.repeat(200_000)})` }, /query: value of 200005 characters/],
  [
    '500 keys',
    Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'])),
    /502 keys; at most 64 are allowed/,
  ],
  [
    'five 60,000-character non-ASCII values',
    Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, 'é'.repeat(60_000)])),
    /characters in all; at most 262144/,
  ],
  [
    'a 60,000-digit duration without a unit',
    { timeout: `${'1'.repeat(60_000)}x` },
    /timeout: must be a duration/,
  ],
])(
  '%s: INVALID_ARGUMENT naming the rule; other calls and /healthz are answered',
  async (_, extra, message) => {
    const bad = scaler.client.getMetricSpec(ref(goodMetadata(extra)), {
      deadlineMs: DEADLINE_MS,
    });
    const others = Promise.all([
      timed(() => scaler.client.getMetricSpec(ref(goodMetadata()), { deadlineMs: DEADLINE_MS })),
      httpGet(`${scaler.httpUrl}/healthz`),
    ]);
    const result = await timed(() => bad);
    expect(result.code).toBe(status.INVALID_ARGUMENT);
    expect(result.details).toMatch(message);
    // The message names the rule, never the whole input.
    expect(result.details.length).toBeLessThan(1024);
    const [spec, health] = await others;
    expect([status[spec.code], health.status]).toEqual(['OK', 200]);
  },
);

test('a long misspelt key still gets no suggestion and no delay; a short one gets "did you mean"', async () => {
  const long = await timed(() =>
    scaler.client.getMetricSpec(ref(goodMetadata({ ['thresholdd'.repeat(12)]: '1' }))),
  );
  expect(long.code).toBe(status.INVALID_ARGUMENT);
  expect(long.details).not.toContain('did you mean');
  const short = await timed(() => scaler.client.getMetricSpec(ref(goodMetadata({ qurey: 'x' }))));
  expect(short.details).toContain('qurey: unknown key (did you mean "query"?)');
});

test('buf curl (Go client): an 80 kB value is INVALID_ARGUMENT with the rule', async () => {
  const body = JSON.stringify({
    name: 'so',
    namespace: 'ns',
    scalerMetadata: goodMetadata({ activationQuery: 'x'.repeat(80_000) }),
  });
  const { code, stderr } = await bufCurl([
    '-d',
    body,
    `http://${scaler.target}/externalscaler.ExternalScaler/GetMetricSpec`,
  ]);
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/invalid_argument/i);
  expect(stderr).toContain('activationQuery: value of 80000 characters; at most 65536');
});
