// `simulate` end to end on files (no Prometheus): the two-trigger example with its formula and a
// failing column, bad ScaledObjects refused with exit 2, --kubernetes-version, and --set.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { main } from '../../../src/main';

const EXAMPLE = resolve(__dirname, '../../../examples/two-triggers.yaml');
const EXAMPLE_CSV = resolve(__dirname, '../../../examples/two-triggers.csv');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-sim-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['simulate', ...args], env, {
    out: t => void out.push(t),
    err: t => void err.push(t),
  });
  return { code, out: out.join(''), err: err.join('') };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const so = (spec: string) =>
  file(
    `so-${Math.random().toString(36).slice(2)}.yaml`,
    `kind: ScaledObject\nmetadata: { name: w }\nspec:\n${spec}\n  triggers:\n    - type: external\n      metadata: { query: q, threshold: "10" }\n`,
  );

test('two triggers and a formula replay from two CSV columns; a failing column engages fallback', async () => {
  const r = await run(['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV, '--output', 'json']);
  expect(r.code).toBe(0);
  const { rows } = JSON.parse(r.out) as {
    rows: {
      timestamp: number;
      values: (number | null)[];
      composite: number | null;
      by: string;
      replicas: number;
      fallback: string[];
    }[];
  };
  const first = rows[0];
  // max(40 / 50, 5 / 20) = 0.8 > activationTarget 0.5.
  expect(first).toMatchObject({ values: [40, 5], composite: 0.8 });
  // Queue at 300 (from 08:35): max(rps / 50, 300 / 20) = 15, target 1 → 15 replicas.
  expect(Math.max(...rows.map(x => x.replicas))).toBe(15);
  // The queue column is empty from 08:45:00; failureThreshold 3: the poll and the sync at
  // 08:45:00 count 1 and 2, the poll at 08:45:15 counts 3, its sync 4 > 3 → fallback 6 replicas.
  const fb = rows.find(x => x.fallback.includes('queue'));
  expect(fb).toMatchObject({ timestamp: 1_763_887_515, by: 'hpa', replicas: 6 });
  const table = await run(['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV]);
  expect(table.out).toMatch(
    /^time \(UTC\)\s+rps\s+queue\s+composite\s+active\s+by\s+desired\s+replicas\s+marks/,
  );
  expect(table.out).toContain('queue fallback');
});

test.each([
  ['  pollingInterval: 0', 'spec.pollingInterval: must be a whole number >= 1, got 0'],
  [
    '  advanced: { horizontalPodAutoscalerConfig: { behavior: fast } }',
    'behavior: must be a map, got "fast"',
  ],
  [
    '  advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: Pods, value: ten, periodSeconds: 15 }] } } } }',
    'behavior.scaleUp.policies[0].value: must be a whole number >= 1, got "ten"',
  ],
])('a bad ScaledObject (%s) exits 2 naming the field', async (spec, message) => {
  const csv = file('one.csv', '0,1\n15,2\n');
  const r = await run(['--scaledobject', so(spec), '--series', csv]);
  expect(r.code).toBe(2);
  expect(r.err).toContain(message);
});

test('--kubernetes-version picks the tolerance rule; an unknown release exits 2', async () => {
  // 22 at 2 replicas against 10 (ratio 1.1): 1.32 scales to 3, 1.35 keeps 2.
  const csv = file('tol.csv', '0,22\n15,22\n');
  const last = async (v: string) => {
    const r = await run([
      '--scaledobject',
      so('  minReplicaCount: 2'),
      '--series',
      csv,
      '--kubernetes-version',
      v,
      '--output',
      'json',
    ]);
    const rows = (JSON.parse(r.out) as { rows: { replicas: number }[] }).rows;
    return rows[rows.length - 1]?.replicas;
  };
  expect(await last('1.32')).toBe(3);
  // As kubectl prints it: the patch release does not change the rules.
  expect(await last('v1.32.4')).toBe(3);
  expect(await last('1.35')).toBe(2);
  const bad = await run(['--scaledobject', so(''), '--series', csv, '--kubernetes-version', '1.9']);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain(
    '--kubernetes-version: must be one of 1.30, 1.31, 1.32, 1.33, 1.34, 1.35 (a patch release such as v1.30.4 is read as 1.30), got "1.9"',
  );
});

test('--set threshold=... replays once per value: comparison table and an SVG with every variant', async () => {
  const svg = join(dir, 'variants.svg');
  const r = await run([
    '--scaledobject',
    EXAMPLE,
    '--trigger',
    '0',
    '--series',
    EXAMPLE_CSV,
    '--set',
    'threshold=25,50,100',
    '--svg',
    svg,
  ]);
  expect(r.code).toBe(0);
  const lines = r.out.trim().split('\n');
  expect(lines[0]).toMatch(/^threshold\s+replica-hours\s+overloaded min\s+scale events\s+peak/);
  expect(lines.slice(1).map(l => l.split(/\s+/)[0])).toEqual([
    'threshold=25',
    'threshold=50',
    'threshold=100',
  ]);
  const hours = lines.slice(1).map(l => Number(l.split(/\s+/)[1]));
  // A lower threshold means more replicas per request: cost falls as the threshold rises.
  expect(hours[0]).toBeGreaterThan(hours[1] as number);
  expect(hours[1]).toBeGreaterThan(hours[2] as number);
  const chart = readFileSync(svg, 'utf8');
  expect(XMLValidator.validate(chart)).toBe(true);
  for (const label of ['threshold=25', 'threshold=50', 'threshold=100'])
    expect(chart).toContain(label);
  const bad = await run([
    '--scaledobject',
    EXAMPLE,
    '--series',
    EXAMPLE_CSV,
    '--set',
    'replicas=1',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain('--set: unknown key "replicas"');
});

test('bad trigger metadata is a bad file: exit 2 naming the trigger', async () => {
  const p = file(
    'tiny.yaml',
    'kind: ScaledObject\nspec:\n  triggers:\n    - type: external\n      metadata: { query: q, threshold: "0.0004" }\n',
  );
  const r = await run(['--scaledobject', p, '--series', file('tiny.csv', '0,1\n')]);
  expect(r.code).toBe(2);
  expect(r.err).toContain(
    'spec.triggers[0].metadata: invalid trigger metadata: threshold: must be at least 0.0005',
  );
});

test('--set threshold with scalingModifiers is refused: it cannot change the replay', async () => {
  for (const [key, instead] of [
    ['threshold', 'scalingModifiers.target'],
    ['rps.activationThreshold', 'scalingModifiers.activationTarget'],
  ]) {
    const r = await run([
      '--scaledobject',
      EXAMPLE,
      '--series',
      EXAMPLE_CSV,
      '--set',
      `${key}=25,50`,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--set ${key}: this ScaledObject has advanced.scalingModifiers`);
    expect(r.err).toContain(`try --set ${instead}=...`);
  }
  // The formula's own target does change it.
  const target = await run([
    '--scaledobject',
    EXAMPLE,
    '--series',
    EXAMPLE_CSV,
    '--set',
    'scalingModifiers.target=1,2',
  ]);
  expect(target.code).toBe(0);
  const peaks = target.out
    .trim()
    .split('\n')
    .slice(1)
    .map(l => Number(l.split(/\s{2,}/)[4]));
  expect(peaks[0]).toBeGreaterThan(peaks[1] as number);
});

test('--series with --from is refused, and an --svg that cannot be written names the flag', async () => {
  const both = await run(['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV, '--from', '-2h']);
  expect(both.code).toBe(2);
  expect(both.err).toContain('give --series FILE.csv or --from/--to, not both');
  const svg = join(dir, 'no-such-dir', 'chart.svg');
  const r = await run(['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV, '--svg', svg]);
  expect(r.code).toBe(2);
  expect(r.err).toContain(`--svg ${svg}: cannot write the chart (ENOENT)`);
});

test('an empty SCALER_CONFIG is no configuration file, as for check and serve', async () => {
  const replay = ['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV];
  const unset = await run(replay);
  const empty = await run(replay, { SCALER_CONFIG: '' });
  expect({ code: empty.code, err: empty.err }).toEqual({ code: 0, err: '' });
  expect(empty.out).toBe(unset.out);
});
