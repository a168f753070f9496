// `check` and `simulate` against the real backfilled Prometheus, run in-process through the
// same functions the binary calls.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { main } from '../../src/main';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { freePort } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
let dir: string;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) },
  };
}

function scaledObject(metadata: Record<string, string>, extraSpec = ''): string {
  const file = join(dir, `so-${Math.random().toString(36).slice(2)}.yaml`);
  const meta = Object.entries(metadata)
    .map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(
    file,
    [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata: { name: checkout }',
      'spec:',
      '  scaleTargetRef: { name: checkout }',
      extraSpec,
      '  triggers:',
      '    - type: external',
      '      metadata:',
      meta,
    ].join('\n'),
  );
  return file;
}

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-cli-sim-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check', () => {
  test('prints the same value GetMetrics returns, and explains AverageValue versus Value', async () => {
    const metadata = {
      query: 'sum(rate(kps_test_requests_total[1m]))',
      threshold: '4',
      scalerAddress: 's:6000',
    };
    const app: App = createApp(
      validateConfig({
        grpcAddress: '127.0.0.1:0',
        httpAddress: '127.0.0.1:0',
        sources: [{ name: 'default', url: PROM_URL }],
      }),
      { logger: createLogger('silent') },
    );
    const { grpcPort } = await app.start();
    const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    try {
      const viaGrpc = (await client.getMetrics(ref(metadata), '')).metricValues[0]!;
      const run = io();
      const code = await main(
        [
          'check',
          '--scaledobject',
          scaledObject(metadata),
          '--replicas',
          '3',
          '--prometheus-url',
          PROM_URL,
          '--output',
          'json',
        ],
        {},
        run.io,
      );
      expect(code).toBe(0);
      const report = JSON.parse(run.out.join('')) as {
        metricValue: { metricValueFloat: number };
        active: boolean;
        hpa: { AverageValue: { desired: number; shown: string }; Value: { desired: number } };
      };
      expect(report.metricValue.metricValueFloat).toBeCloseTo(viaGrpc.metricValueFloat, 9);
      expect(report.active).toBe(true);
      // 15 req/s, target 4, 3 replicas: AverageValue ceil(15 / 4) = 4, shown as 5 per pod;
      // Value ceil(15 / 4 x 3) = ceil(11.25) = 12.
      expect(report.hpa.AverageValue).toMatchObject({ desired: 4, shown: '5/4 (avg)' });
      expect(report.hpa.Value.desired).toBe(12);

      const text = io();
      expect(
        await main(
          [
            'check',
            '--scaledobject',
            scaledObject(metadata),
            '--replicas',
            '3',
            '--prometheus-url',
            PROM_URL,
          ],
          {},
          text.io,
        ),
      ).toBe(0);
      expect(text.out.join('')).toMatch(/kubectl get hpa shows 5\/4 \(avg\); desired 4/);
      expect(text.out.join('')).toMatch(/ceil\(15 \/ 4\) = 4/);
    } finally {
      client.close();
      await app.stop();
    }
  });

  test('a key KEDA ignores is shown as a warning, and the trigger still works', async () => {
    const run = io();
    const code = await main(
      [
        'check',
        '--metadata',
        'query=sum(rate(kps_test_requests_total[1m]))',
        '--metadata',
        'threshold=4',
        '--metadata',
        'cortexOrgID=tenant-a',
        '--prometheus-url',
        PROM_URL,
      ],
      {},
      run.io,
    );
    expect(code).toBe(0);
    expect(run.out.join('')).toMatch(/^warning: cortexOrgID: KEDA ignores it since v2\.15/);
  });

  test('a bad trigger gets the message the server would return, and exit code 1', async () => {
    const run = io();
    const code = await main(
      [
        'check',
        '--metadata',
        'query=up',
        '--metadata',
        'threshold=abc',
        '--prometheus-url',
        PROM_URL,
      ],
      {},
      run.io,
    );
    expect(code).toBe(1);
    expect(run.err.join('')).toContain(
      'INVALID_ARGUMENT: invalid trigger metadata: threshold: must be a number > 0, got "abc"',
    );
  });
  // Was: `source: promethues` with a one-source --config was "answered by" it, exit 0.
  test('an unknown source is refused as the server refuses it, with its did-you-mean', async () => {
    const config = join(dir, 'one-source.yaml');
    writeFileSync(config, `sources:\n  - name: prometheus\n    url: ${PROM_URL}\n`);
    const metadata = { source: 'promethues', query: 'up', threshold: '1', scalerAddress: 's:6000' };
    const app: App = createApp(
      validateConfig({
        grpcAddress: '127.0.0.1:0',
        httpAddress: '127.0.0.1:0',
        sources: [{ name: 'prometheus', url: PROM_URL }],
      }),
      { logger: createLogger('silent') },
    );
    const { grpcPort } = await app.start();
    const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    try {
      const refused = await client.getMetrics(ref(metadata), '').then(
        () => undefined,
        (e: { details: string }) => e.details,
      );
      expect(refused).toBe(
        'invalid trigger metadata: source: unknown source "promethues" (did you mean "prometheus"?); configured sources: prometheus',
      );
      const run = io();
      const code = await main(
        ['check', '--scaledobject', scaledObject(metadata), '--config', config],
        {},
        run.io,
      );
      expect(code).toBe(1);
      expect(run.out.join('')).not.toContain('answered by');
      expect(run.err.join('')).toBe(`INVALID_ARGUMENT: ${refused}\n`);
    } finally {
      client.close();
      await app.stop();
    }
  });
});

// Was: check resolved without a namespace, so a source limited to team-x answered a ScaledObject
// of analytics that serve refuses.
test("check resolves with the ScaledObject's namespace, as serve does", async () => {
  const config = join(dir, 'scoped-source.yaml');
  writeFileSync(
    config,
    `sources:\n  - name: prometheus\n    url: ${PROM_URL}\n    namespaces: [team-x]\n`,
  );
  const metadata = {
    source: 'prometheus',
    query: 'vector(1)',
    threshold: '1',
    scalerAddress: 's:6000',
  };
  const app: App = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'prometheus', url: PROM_URL, namespaces: ['team-x'] }],
    }),
    { logger: createLogger('silent') },
  );
  const { grpcPort } = await app.start();
  const client = new ScalerClient(`127.0.0.1:${grpcPort}`);
  try {
    const refused = await client.getMetrics(ref(metadata, 'report', 'analytics'), '').then(
      () => undefined,
      (e: { details: string }) => e.details,
    );
    expect(refused).toBeDefined();
    const file = join(dir, 'analytics-so.yaml');
    writeFileSync(
      file,
      readFileSync(scaledObject(metadata), 'utf8').replace(
        'metadata: { name: checkout }',
        'metadata: { name: checkout, namespace: analytics }',
      ),
    );
    const run = io();
    expect(await main(['check', '--scaledobject', file, '--config', config], {}, run.io)).toBe(1);
    // The same refusal; check names the source's URL as well.
    expect(refused).toBe(
      'namespace "analytics" may not use source "prometheus" (its namespaces): allowed namespaces are team-x',
    );
    expect(run.err.join('')).toBe(
      `PERMISSION_DENIED: namespace "analytics" may not use source "prometheus" (${PROM_URL}) (its namespaces): allowed namespaces are team-x\n`,
    );
    // In team-x it is answered.
    const allowed = io();
    const teamX = join(dir, 'team-x-so.yaml');
    writeFileSync(teamX, readFileSync(file, 'utf8').replace('analytics', 'team-x'));
    expect(await main(['check', '--scaledobject', teamX, '--config', config], {}, allowed.io)).toBe(
      0,
    );
  } finally {
    client.close();
    await app.stop();
  }
});

describe('simulate', () => {
  test('a CSV series gives the hand-computed KEDA + HPA sequence, as CSV, and a valid SVG', async () => {
    // 50 for two samples at t=30 and t=45, 0 otherwise (the sequence pinned in simulate.test.ts).
    const csv = [
      'timestamp,value',
      ...Array.from(
        { length: 31 },
        (_, i) => `${1_700_000_000 + i * 15},${i === 2 || i === 3 ? 50 : 0}`,
      ),
    ].join('\n');
    const series = join(dir, 'series.csv');
    writeFileSync(series, csv);
    const svg = join(dir, 'chart.svg');
    const run = io();
    const code = await main(
      [
        'simulate',
        '--scaledobject',
        scaledObject({ query: 'q', threshold: '10' }, '  maxReplicaCount: 20'),
        '--series',
        series,
        '--output',
        'csv',
        '--svg',
        svg,
      ],
      {},
      run.io,
    );
    expect(code).toBe(0);
    const lines = run.out.join('').trim().split('\n');
    expect(lines[0]).toBe('timestamp,trigger0,active,by,desiredReplicas,replicas,marks');
    const replicasAt = (offset: number, by: string) =>
      lines
        .find(l => l.startsWith(`${1_700_000_000 + offset},`) && l.includes(`,${by},`))
        ?.split(',')[5];
    expect(replicasAt(30, 'keda')).toBe('1');
    expect(replicasAt(30, 'hpa')).toBe('4');
    expect(replicasAt(45, 'hpa')).toBe('5');
    expect(replicasAt(330, 'keda')).toBe('0');
    const chart = readFileSync(svg, 'utf8');
    expect(XMLValidator.validate(chart)).toBe(true);
    expect(chart).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  test('a range over the real source replays what GetMetrics would have seen', async () => {
    const run = io();
    const end = Math.floor(Date.now() / 1000 / 15) * 15;
    const code = await main(
      [
        'simulate',
        '--scaledobject',
        scaledObject(
          { query: 'sum(kps_test_queue_depth)', threshold: '10' },
          '  maxReplicaCount: 3',
        ),
        '--from',
        String(end - 600),
        '--to',
        String(end),
        '--step',
        '15s',
        '--prometheus-url',
        PROM_URL,
        '--output',
        'json',
      ],
      {},
      run.io,
    );
    expect(code).toBe(0);
    const result = JSON.parse(run.out.join('')) as {
      rows: { values: (number | null)[]; replicas: number }[];
    };
    expect(result.rows.every(r => r.values[0] === 50)).toBe(true);
    // Active from the first poll; AverageValue ceil(50 / 10) = 5, capped by maxReplicaCount 3.
    expect(result.rows[result.rows.length - 1]?.replicas).toBe(3);
  });

  test('two triggers over the real source, each from its own query; an empty one engages fallback', async () => {
    const file = join(dir, 'two.yaml');
    writeFileSync(
      file,
      [
        'kind: ScaledObject',
        'metadata: { name: two }',
        'spec:',
        '  maxReplicaCount: 20',
        '  fallback: { failureThreshold: 1, replicas: 7 }',
        '  triggers:',
        '    - type: external',
        '      name: queue',
        '      metadata: { query: "sum(kps_test_queue_depth)", threshold: "10" }',
        '    - type: external',
        '      name: missing',
        '      metadata: { query: "sum(kps_test_no_such_metric)", threshold: "5", ignoreNullValues: "false" }',
      ].join('\n'),
    );
    const end = Math.floor(Date.now() / 1000 / 15) * 15;
    const run = io();
    const code = await main(
      [
        'simulate',
        '--scaledobject',
        file,
        '--from',
        String(end - 300),
        '--to',
        String(end),
        '--prometheus-url',
        PROM_URL,
        '--output',
        'json',
      ],
      {},
      run.io,
    );
    expect(code).toBe(0);
    const { rows } = JSON.parse(run.out.join('')) as {
      rows: { values: (number | null)[]; failed: string[]; fallback: string[]; replicas: number }[];
    };
    // queue is 50 at every step; the empty result of the other query is a failed query.
    expect(rows.every(r => r.values[0] === 50 && r.values[1] === null)).toBe(true);
    expect(rows.every(r => r.failed.includes('missing'))).toBe(true);
    // From the second failure (> failureThreshold 1) KEDA serves 5 × 7 = 35 for it: ceil(35 / 5)
    // = 7 beats queue's ceil(50 / 10) = 5.
    expect(rows.some(r => r.fallback.includes('missing'))).toBe(true);
    expect(rows[rows.length - 1]?.replicas).toBe(7);
  });

  test('a query that matches nothing over the range is said on stderr, naming the trigger', async () => {
    const lastFiveMinutes = async (query: string) => {
      const run = io();
      const code = await main(
        [
          'simulate',
          '--scaledobject',
          scaledObject({ query, threshold: '10' }),
          '--from',
          '-5m',
          '--to',
          'now',
        ].concat(['--prometheus-url', PROM_URL]),
        {},
        run.io,
      );
      return { code, err: run.err.join('') };
    };
    const misspelt = await lastFiveMinutes('sum(kps_test_queue_dept)');
    expect(misspelt.code).toBe(0);
    expect(misspelt.err).toContain(
      'trigger trigger0: the query returned no series from --from to --to, so KEDA sees 0 at every step; run "keda-prometheus-scaler check"',
    );
    // A query that matches is not warned about.
    expect((await lastFiveMinutes('sum(kps_test_queue_depth)')).err).not.toContain('no series');
  });

  test('an unreachable source is named with its URL, as check names it', async () => {
    const port = await freePort();
    const run = io();
    const code = await main(
      [
        'simulate',
        '--scaledobject',
        scaledObject({ query: 'sum(kps_test_queue_depth)', threshold: '10' }),
        '--from',
        '-5m',
        '--to',
        'now',
        '--prometheus-url',
        `http://127.0.0.1:${port}`,
      ],
      {},
      run.io,
    );
    expect(code).toBe(1);
    expect(run.err.join('')).toContain(
      `UNAVAILABLE: source "prometheus" (http://127.0.0.1:${port}) is unreachable or too slow for query_range (ECONNREFUSED)`,
    );
  });

  test.each([
    [
      '--replicas not a number',
      ['--replicas', 'abc'],
      '--replicas: must be a whole number >= 0, got "abc"',
    ],
    [
      '--trigger not a number',
      ['--trigger', 'x'],
      '--trigger: must be a whole number >= 0, got "x"',
    ],
    [
      '--to before --from',
      ['--from', '2000', '--to', '1000', '--prometheus-url', PROM_URL],
      '--to: must be later than --from',
    ],
    [
      '--keda-version before 2.17',
      ['--keda-version', 'v2.16.1', '--series', 'unused.csv'],
      '--keda-version: must be one of 2.17, 2.18, 2.19, 2.20 (a patch release such as v2.18.3 is read as 2.18), got "v2.16.1"',
    ],
    [
      '--step below a second',
      ['--from', '1000', '--to', '2000', '--step', '100ms'],
      '--step: must be a duration of at least 1s',
    ],
  ])('simulate refuses %s with exit 2, before any query', async (_name, flags, message) => {
    const run = io();
    const args = ['--scaledobject', scaledObject({ query: 'q', threshold: '1' }), ...flags];
    if (!flags.includes('--from')) args.push('--series', join(dir, 'unused.csv'));
    expect(await main(['simulate', ...args], {}, run.io)).toBe(2);
    expect(run.err.join('')).toContain(message);
  });

  test('check refuses a bad --trigger, --replicas or --output with exit 2', async () => {
    for (const [flags, message] of [
      [['--trigger', 'x'], '--trigger: must be a whole number >= 0, got "x"'],
      [['--replicas=-1'], '--replicas: must be a whole number >= 0, got "-1"'],
      [['--output', 'xml'], '--output: must be text or json, got "xml"'],
    ] as const) {
      const run = io();
      expect(
        await main(
          ['check', '--metadata', 'query=up', '--metadata', 'threshold=1', ...flags],
          {},
          run.io,
        ),
      ).toBe(2);
      expect(run.err.join('')).toContain(message);
    }
  });

  test('bad input is named: a bad CSV line, a missing file', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1700000000,1\nnot,a,number\n');
    const run = io();
    expect(
      await main(
        [
          'simulate',
          '--scaledobject',
          scaledObject({ query: 'q', threshold: '1' }),
          '--series',
          bad,
        ],
        {},
        run.io,
      ),
    ).toBe(2);
    expect(run.err.join('')).toContain(
      '--series line 2: the timestamp must be unix seconds or RFC 3339, got "not"',
    );
    const missing = io();
    expect(
      await main(
        ['simulate', '--scaledobject', join(dir, 'nope.yaml'), '--series', bad],
        {},
        missing.io,
      ),
    ).toBe(2);
    expect(missing.err.join('')).toContain(
      `--scaledobject ${join(dir, 'nope.yaml')}: cannot read the file (ENOENT)`,
    );
  });
});
