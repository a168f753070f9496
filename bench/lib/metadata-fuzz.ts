// Hostile trigger metadata maps as a fast-check arbitrary, shared by the fuzz test and its
// benchmark; `fuzzMaps` draws a fixed number of them from a seed, the same maps for the same seed.
import fc from 'fast-check';
import { TRIGGER_KEYS } from '../../src/metadata/parse-trigger';

const NON_ASCII = ['é', 'ß', '中', '😀', '\u0000', '\u202e', '\r\n', '\t', '"', '\\', '%2F'];
const VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1e308',
  'NaN',
  '+Inf',
  '10',
  '0.0001',
  'true',
  'maybe',
  '30s',
  '-5s',
  '1h',
  '99999999h',
  'sum(up)',
  'rate(x[5m])',
  'GET',
  'POST',
  'sum',
  'a=b,c=d',
  'X-Scope-OrgID=team',
  'Bad Header=x',
  'http://10.255.0.1:9090',
  'http://user:pw@127.0.0.1:9090',
  'ftp://127.0.0.1',
  'fake',
  'nosuchsource',
  'metric.name',
  'HighLoad',
];

/** `arb` in `percent` of the maps, else undefined. */
const inPercent = <T>(percent: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 100 - percent },
    { arbitrary: arb, weight: percent },
  );

/** Strings up to `max` units long: printable ASCII, and one unit in five non-ASCII or control. */
const text = (max: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.oneof(
      { arbitrary: fc.integer({ min: 32, max: 126 }).map(c => String.fromCharCode(c)), weight: 4 },
      { arbitrary: fc.constantFrom(...NON_ASCII), weight: 1 },
    ),
    maxLength: max,
    // Lengths spread up to `max`, not fast-check's default bias to short strings.
    size: 'max',
  });

const key = fc.oneof(
  { arbitrary: fc.constantFrom(...TRIGGER_KEYS), weight: 6 },
  // A misspelt known key.
  {
    arbitrary: fc.tuple(fc.constantFrom(...TRIGGER_KEYS), text(3)).map(([k, t]) => k + t),
    weight: 2,
  },
  { arbitrary: text(40), weight: 2 },
);
const value = fc.oneof(
  { arbitrary: fc.constantFrom(...VALUES), weight: 7 },
  { arbitrary: text(300), weight: 3 },
);

/** Now and then something large: a 100 kB value, a 100 kB key, or 100 keys. */
const oversized: fc.Arbitrary<readonly [string, string][]> = fc.oneof(
  { arbitrary: fc.constant([]), weight: 96 },
  {
    arbitrary: fc
      // Random text then plain padding: drawing 100,000 random units would double the time
      // this generator takes, and the bounds count bytes, which padding reaches as well.
      .tuple(fc.constantFrom(...TRIGGER_KEYS), text(1000))
      .map(([k, t]): [string, string][] => [[k, t + 'x'.repeat(100_000)]]),
    weight: 2,
  },
  {
    arbitrary: text(10).map((t): [string, string][] => [[`${'k'.repeat(100_000)}${t}`, '1']]),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(text(20), { minLength: 100, maxLength: 100 })
      .map(values => values.map((v, i): [string, string] => [`key${i}`, v])),
    weight: 1,
  },
);

/**
 * A metadata map: mostly known keys with plausible or broken values, some unknown and misspelt
 * keys, now and then an address outside every source, and the occasional oversized map. Later
 * entries replace earlier ones with the same key.
 */
const metadataMap: fc.Arbitrary<Record<string, string>> = fc
  .record({
    query: inPercent(60, fc.oneof({ arbitrary: fc.constant('sum(up)'), weight: 4 }, text(200))),
    threshold: inPercent(60, fc.constantFrom(...VALUES)),
    entries: fc.array(fc.tuple(key, value), { maxLength: 5 }),
    // An address outside every source and allowlist: PERMISSION_DENIED when the rest is valid.
    serverAddress: inPercent(15, fc.constant('http://10.255.0.1:9090')),
    oversized,
  })
  .map(({ query, threshold, entries, serverAddress, oversized: big }) => {
    const map: Record<string, string> = {};
    if (query !== undefined) map['query'] = query;
    if (threshold !== undefined) map['threshold'] = threshold;
    for (const [k, v] of entries) map[k] = v;
    if (serverAddress !== undefined) map['serverAddress'] = serverAddress;
    for (const [k, v] of big) map[k] = v;
    return map;
  });

/** `count` maps drawn from `seed`: the same maps for the same seed and count. */
export function fuzzMaps(seed: number, count: number): Record<string, string>[] {
  return fc.sample(metadataMap, { seed, numRuns: count });
}
