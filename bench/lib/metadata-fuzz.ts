// Seeded generator of hostile trigger metadata maps, shared by the fuzz test and its benchmark.
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

/** One random string: ASCII, non-ASCII and control characters, up to `max` long. */
function text(random: () => number, max: number): string {
  const length = Math.floor(random() * max);
  let out = '';
  while (out.length < length) {
    out +=
      random() < 0.2
        ? (NON_ASCII[Math.floor(random() * NON_ASCII.length)] ?? '')
        : String.fromCharCode(32 + Math.floor(random() * 95));
  }
  return out;
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/**
 * A metadata map: mostly known keys with plausible or broken values, some unknown and
 * misspelt keys, and now and then a 100 kB value, a 100 kB key or 100 keys.
 */
export function fuzzMetadata(random: () => number): Record<string, string> {
  const map: Record<string, string> = {};
  if (random() < 0.6) map['query'] = random() < 0.8 ? 'sum(up)' : text(random, 200);
  if (random() < 0.6) map['threshold'] = pick(random, VALUES);
  const keys = Math.floor(random() * 6);
  for (let i = 0; i < keys; i++) {
    const r = random();
    const key =
      r < 0.6
        ? pick(random, TRIGGER_KEYS)
        : r < 0.8
          ? `${pick(random, TRIGGER_KEYS)}${text(random, 3)}`
          : text(random, 40);
    map[key] = random() < 0.7 ? pick(random, VALUES) : text(random, 300);
  }
  // An address outside every source and allowlist: PERMISSION_DENIED when the rest is valid.
  if (random() < 0.15) map['serverAddress'] = 'http://10.255.0.1:9090';
  const big = random();
  if (big < 0.02) map[pick(random, TRIGGER_KEYS)] = text(random, 100_000) + 'x'.repeat(100_000);
  else if (big < 0.03) map[`${'k'.repeat(100_000)}${text(random, 10)}`] = '1';
  else if (big < 0.04) for (let i = 0; i < 100; i++) map[`key${i}`] = text(random, 20);
  return map;
}
