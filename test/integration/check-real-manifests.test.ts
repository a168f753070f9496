// The built binary's `check` and `simulate` on manifests as people have them (deploy/examples,
// examples/, the tutorial shapes), and the empty-result diagnosis, against the real backfilled
// Prometheus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPrometheus } from '../helpers/prometheus';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/main.js');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-manifests-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('node', [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] },
    timeout: 30_000,
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A tutorial-shaped ScaledObject: the trigger metadata as the KEDA docs write it. */
function tutorial(name: string, type: string, metadata: Record<string, string>): string {
  return [
    'apiVersion: keda.sh/v1alpha1',
    'kind: ScaledObject',
    `metadata: { name: ${name} }`,
    'spec:',
    `  scaleTargetRef: { name: ${name} }`,
    '  triggers:',
    `    - type: ${type}`,
    '      metadata:',
    ...Object.entries(metadata).map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`),
  ].join('\n');
}

const QUERY = 'sum(rate(kps_test_requests_total[1m]))';

describe('check on real manifests', () => {
  test.each([
    [
      'prometheus trigger, Helm values',
      'prometheus',
      'http://prometheus-server.monitoring.svc.cluster.local:80',
    ],
    ['kube-prometheus', 'prometheus', 'http://prometheus-operated.monitoring.svc:9090'],
    ['external trigger', 'external', 'http://prometheus-server.monitoring.svc.cluster.local:80'],
  ])(
    '%s: the in-cluster serverAddress is answered by --prometheus-url',
    (_shape, type, serverAddress) => {
      const so = file(
        `${type}-${serverAddress.length}.yaml`,
        tutorial('app', type, { serverAddress, query: QUERY, threshold: '10' }),
      );
      const result = run(['check', '--scaledobject', so, '--prometheus-url', PROM_URL]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`serverAddress ${serverAddress} answered by ${PROM_URL}`);
      // 15 req/s in the test data (test/helpers/fixtures.ts).
      expect(result.stdout).toContain('(value 15)');
      expect(result.stdout).toContain(
        'IsActive        true  (value 15 is above activationThreshold 0)',
      );
      // Was: a built-in prometheus trigger is checked, and the conversion is pointed at.
      const migrate = `keda-prometheus-scaler migrate ${so}`;
      if (type === 'prometheus') expect(result.stdout).toContain(migrate);
      else expect(result.stdout).not.toContain('migrate');
    },
  );

  test('every ScaledObject file in deploy/examples and examples/ runs unchanged', () => {
    const files = ['deploy/examples', 'examples'].flatMap(d =>
      readdirSync(join(ROOT, d))
        .filter(f => f.endsWith('.yaml'))
        .map(f => `${d}/${f}`),
    );
    const withScaledObjects = files.filter(f =>
      /^kind: ScaledObject$/m.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(withScaledObjects.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const result = run([
        'check',
        '--scaledobject',
        f,
        '--prometheus-url',
        PROM_URL,
        '--allow-empty',
      ]);
      if (withScaledObjects.includes(f)) {
        expect({ f, stderr: result.stderr, status: result.status }).toEqual({
          f,
          stderr: '',
          status: 0,
        });
        expect(result.stdout).toMatch(/GetMetrics {6}\{"metricValue"/);
        // The test Prometheus has none of the examples' metrics: said first, with --allow-empty.
        expect(result.stdout).toMatch(
          /^(== ScaledObject [^\n]+\n)?no series: the query returned an empty result/,
        );
      } else {
        expect({ f, status: result.status }).toEqual({ f, status: 2 });
        expect(result.stderr).toContain('no document of kind ScaledObject (found: ');
      }
    }
  });

  test('a ScaledObject with scalingModifiers: each trigger is checked, and the composite is named', () => {
    const result = run([
      'check',
      '--scaledobject',
      'examples/two-triggers.yaml',
      '--prometheus-url',
      PROM_URL,
      '--allow-empty',
    ]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const headers = result.stdout.match(/^== ScaledObject .+$/gm) ?? [];
    expect(headers.length).toBe(2);
    const notes = result.stdout.match(/^note: spec\.advanced\.scalingModifiers applies: .+$/gm);
    expect(notes?.length).toBe(2);
    expect(notes?.[0]).toContain(
      'not this trigger alone; the ScaledObject section below composes it',
    );
    // The examples' metrics are not in the test Prometheus: both inputs are 0.
    expect(result.stdout).toContain(
      'ScaledObject checkout, all 2 trigger(s) through scalingModifiers:\n' +
        '  formula         max(rps / 50, queue / 20) = 0  (rps = 0, queue = 0)\n' +
        '  IsActive        false  (composite 0 is not above activationTarget 0.5)\n',
    );
  });

  /** A ScaledObject named `name` with the given spec lines (before triggers) and triggers. */
  function scaledObject(name: string, spec: string[], triggers: string[][]): string {
    return [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      `metadata: { name: ${name} }`,
      'spec:',
      `  scaleTargetRef: { name: ${name} }`,
      ...spec,
      '  triggers:',
      ...triggers.flat(),
    ].join('\n');
  }
  /** A prometheus trigger on the test Prometheus. */
  const prometheusTrigger = (name: string, query: string, threshold: string): string[] => [
    '    - type: prometheus',
    `      name: ${name}`,
    `      metadata: { serverAddress: "${PROM_URL}", query: "${query}", threshold: "${threshold}" }`,
  ];
  /** 15 req/s in the test data (test/helpers/fixtures.ts). */
  const RPS = prometheusTrigger('rps', QUERY, '5');
  /** 50 queued jobs in the test data. */
  const QUEUE = prometheusTrigger('queue', 'sum(kps_test_queue_depth)', '10');
  const CPU = [
    '    - type: cpu',
    '      metricType: Utilization',
    '      metadata: { value: "60" }',
  ];

  /** Two triggers on the test data: 15 req/s and 50 queued jobs. */
  const twoTriggers = (spec: string[], extra: string[][] = []): string =>
    scaledObject('shop', ['  maxReplicaCount: 20', ...spec], [RPS, QUEUE, ...extra]);

  test('the whole ScaledObject: the formula over both values, its activity and the HPA on it', () => {
    const so = file(
      'formula.yaml',
      twoTriggers([
        '  advanced:',
        '    scalingModifiers:',
        "      formula: 'max(rps / 5, queue / 20)'",
        "      target: '1'",
        "      activationTarget: '0.5'",
        '      metricType: AverageValue',
      ]),
    );
    const text = run([
      'check',
      '--scaledobject',
      so,
      '--prometheus-url',
      PROM_URL,
      '--replicas',
      '2',
    ]);
    expect({ status: text.status, stderr: text.stderr }).toEqual({ status: 0, stderr: '' });
    // max(15 / 5, 50 / 20) = 3; AverageValue at 2 replicas: ratio 3 / (1 x 2) = 1.5, so
    // ceil(1.5 x 2) = 3.
    expect(text.stdout).toContain(
      'ScaledObject shop, all 2 trigger(s) through scalingModifiers:\n' +
        '  formula         max(rps / 5, queue / 20) = 3  (rps = 15, queue = 50)\n' +
        '  IsActive        true  (composite 3 is above activationTarget 0.5)\n' +
        '  HPA at 2 replica(s), the composite metric is AverageValue against target 1: ' +
        'kubectl get hpa shows 1500m/1 (avg); desired 3\n',
    );
    const json = run([
      'check',
      '--scaledobject',
      so,
      '--prometheus-url',
      PROM_URL,
      '--replicas',
      '2',
      '--output',
      'json',
    ]);
    const reports = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(reports).toHaveLength(3);
    expect(reports[2]).toMatchObject({
      scaledObject: 'shop',
      whole: { computed: true, composite: 3, active: true, hpa: { desired: 3 } },
    });
  });

  test('the whole ScaledObject without a formula: the largest proposal, active when any trigger is', () => {
    const so = file('two.yaml', twoTriggers([]));
    const result = run(['check', '--scaledobject', so, '--prometheus-url', PROM_URL]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    // At 1 replica: rps 15 / 5 gives 3, queue 50 / 10 gives 5; the HPA takes 5.
    expect(result.stdout).toContain(
      'ScaledObject shop, all 2 trigger(s):\n' +
        '  IsActive        true  (active: rps, queue; KEDA needs one)\n' +
        '  HPA at 1 replica(s): desired 5, the largest of rps 3, queue 5\n',
    );
  });

  test('the whole ScaledObject is not computed when a trigger is not one check can read', () => {
    const so = file('cpu.yaml', twoTriggers([], [CPU]));
    const result = run(['check', '--scaledobject', so, '--prometheus-url', PROM_URL]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain(
      'ScaledObject shop, all 3 trigger(s):\n  not computed: spec.triggers[2] has type cpu; check reads prometheus, external, external-push triggers only\n',
    );
  });

  /** One prometheus trigger named rps (15 req/s), after any `before` triggers. */
  const oneTrigger = (spec: string[], before: string[][] = []): string =>
    scaledObject('solo', spec, [...before, RPS]);
  const formula = (text: string): string[] => [
    '  advanced:',
    '    scalingModifiers:',
    `      formula: '${text}'`,
    "      target: '100'",
    "      activationTarget: '40'",
  ];

  test('one readable trigger: the formula still decides activity, and a cpu trigger is named', () => {
    // rps * 2 = 30, not above activationTarget 40: KEDA is inactive although rps alone is active.
    const solo = run(
      ['check', '--scaledobject', file('solo.yaml', oneTrigger(formula('rps * 2')))].concat([
        '--prometheus-url',
        PROM_URL,
      ]),
    );
    expect({ status: solo.status, stderr: solo.stderr }).toEqual({ status: 0, stderr: '' });
    expect(solo.stdout).toContain(
      'IsActive        true  (value 15 is above activationThreshold 0)',
    );
    expect(solo.stdout).toContain(
      '  IsActive        false  (composite 30 is not above activationTarget 40)\n',
    );
    const withCpu = run(
      ['check', '--scaledobject', file('solo-cpu.yaml', oneTrigger([], [CPU]))].concat([
        '--prometheus-url',
        PROM_URL,
      ]),
    );
    expect(withCpu.stdout).toContain(
      'ScaledObject solo, all 2 trigger(s):\n  not computed: spec.triggers[0] has type cpu;',
    );
    // --trigger N checks that trigger alone: no section.
    const alone = run([
      'check',
      '--scaledobject',
      file('solo.yaml', oneTrigger(formula('rps * 2'))),
      '--trigger',
      '0',
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(alone.stdout).not.toContain('ScaledObject solo, all');
    expect(alone.stdout).toContain(
      'note: spec.advanced.scalingModifiers applies: the HPA sees rps * 2 against target 100, not this trigger alone; check without --trigger composes it',
    );
  });

  test('a failing trigger: its error on stderr, the ScaledObject not composed, exit 1', () => {
    const broken = prometheusTrigger('broken', 'sum(', '5');
    const result = run([
      'check',
      '--scaledobject',
      file('broken.yaml', oneTrigger(formula('rps + broken'), [broken])),
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/INVALID_ARGUMENT/);
    expect(result.stdout).toContain(
      'not computed: trigger "broken" failed (see its error); KEDA would count a failure for the ScaledObject',
    );
  });

  test('--trigger N checks a trigger even when the formula is beyond this engine', () => {
    const so = file('median.yaml', oneTrigger(formula('median([rps, rps])')));
    const whole = run(['check', '--scaledobject', so, '--prometheus-url', PROM_URL]);
    expect(whole.status).toBe(2);
    expect(whole.stderr).toContain('unknown function "median"');
    const one = run([
      'check',
      '--scaledobject',
      so,
      '--trigger',
      '0',
      '--prometheus-url',
      PROM_URL,
    ]);
    expect({ status: one.status, stderr: one.stderr }).toEqual({ status: 0, stderr: '' });
    expect(one.stdout).toContain('(value 15)');
  });

  test('a formula that divides by zero gives no metric: said, exit 1', () => {
    const result = run([
      'check',
      '--scaledobject',
      file('div.yaml', oneTrigger(formula('rps / 0'))),
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      '  formula rps / 0 gives no usable value for {"rps":15} (nil, an error, or a division by zero): KEDA has no metric for the HPA\n',
    );
  });

  test('the push example: source "prometheus" is the one --prometheus-url defines', () => {
    const result = run([
      'check',
      '--scaledobject',
      'deploy/examples/scaledobject-external-push.yaml',
      '--prometheus-url',
      PROM_URL,
      '--allow-empty',
    ]);
    expect(result.status).toBe(0);
    // The same name as deploy/'s source: the trigger is answered as written, with no rewrite.
    expect(result.stdout).not.toContain('answered by');
    expect(result.stdout).toMatch(/^source {10}prometheus, answered in /m);
    expect(result.stdout).toContain('no series: the activationQuery returned an empty result');
  });

  test('examples/config.yaml style: --config with one local source answers in-cluster addresses', () => {
    const config = file('local.yaml', `sources:\n  - name: prometheus\n    url: ${PROM_URL}\n`);
    const so = file(
      'helm.yaml',
      tutorial('app', 'prometheus', {
        serverAddress: 'http://prometheus-server.monitoring.svc.cluster.local:80',
        query: QUERY,
        threshold: '10',
      }),
    );
    const result = run(['check', '--scaledobject', so, '--config', config, '--output', 'json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      value: 15,
      source: 'prometheus',
      answeredBy: `serverAddress http://prometheus-server.monitoring.svc.cluster.local:80 answered by ${PROM_URL}`,
    });
  });

  test('several ScaledObjects: all checked; --name picks one; a wrong --name lists them', () => {
    const two = file(
      'two.yaml',
      [
        tutorial('api', 'external', { query: QUERY, threshold: '10' }),
        tutorial('queue', 'external', { query: 'sum(kps_test_queue_depth)', threshold: '10' }),
      ].join('\n---\n'),
    );
    const all = run([
      'check',
      '--scaledobject',
      two,
      '--prometheus-url',
      PROM_URL,
      '--output',
      'json',
    ]);
    expect(all.status).toBe(0);
    const reports = JSON.parse(all.stdout) as { scaledObject: string; value: number }[];
    expect(reports.map(r => [r.scaledObject, r.value])).toEqual([
      ['api', 15],
      ['queue', 50],
    ]);
    const one = run([
      'check',
      '--scaledobject',
      two,
      '--name',
      'queue',
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(one.status).toBe(0);
    expect(one.stdout).toContain('(value 50)');
    expect(one.stdout).not.toContain('== ScaledObject');
    const wrong = run([
      'check',
      '--scaledobject',
      two,
      '--name',
      'queu',
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--name queu: no ScaledObject of that name');
    expect(wrong.stderr).toContain('(did you mean "queue"?); it has: api, queue');
    // A problem in one of several is named with its ScaledObject.
    const past = run([
      'check',
      '--scaledobject',
      two,
      '--trigger',
      '1',
      '--prometheus-url',
      PROM_URL,
    ]);
    expect(past.status).toBe(2);
    expect(past.stderr).toContain(
      'ScaledObject api: --trigger 1: the ScaledObject has 1 trigger(s), 0 (trigger0)',
    );
    const simulate = run(['simulate', '--scaledobject', two, '--series', 'examples/history.csv']);
    expect(simulate.status).toBe(2);
    expect(simulate.stderr).toContain('2 ScaledObjects (api, queue); pick one with --name NAME');
  });
});

describe('an empty result is diagnosed', () => {
  const check = (query: string, ...extra: string[]) =>
    run([
      'check',
      '--metadata',
      `query=${query}`,
      '--metadata',
      'threshold=5',
      '--prometheus-url',
      PROM_URL,
      ...extra,
    ]);

  test('a misspelled metric: no series first, then did-you-mean, exit 1; --allow-empty exits 0', () => {
    const result = check('sum(rate(kps_test_request_total[1m]))');
    expect(result.status).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      'no series: the query returned an empty result; with ignoreNullValues=true (the default) KEDA sees 0, so this trigger would scale on a constant 0',
    );
    expect(lines[1]).toBe(
      '  - metric kps_test_request_total has no series in the last hour (did you mean kps_test_requests_total?)',
    );
    expect(result.stdout).toContain('pass --allow-empty if an empty result is expected');
    expect(check('sum(rate(kps_test_request_total[1m]))', '--allow-empty').status).toBe(0);
  });

  test('a matcher no series has: named, with the values its label has', () => {
    const result = check('sum(kps_test_queue_depth{queue="q3"})');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      '  - queue="q3" matches no series of kps_test_queue_depth (did you mean "q1"?); queue has: "q1", "q2"',
    );
  });

  test('a misspelled label is named, with the labels the metric has', () => {
    const result = check('sum(kps_test_queue_depth{qeue="q1"})');
    expect(result.stdout).toContain(
      '  - qeue="q1": no series of kps_test_queue_depth has the label qeue (did you mean queue?); its labels: queue',
    );
  });

  test('matchers that each match alone but not together: the one that empties the selector', () => {
    const result = check('sum({__name__=~"kps_test_.*",pod="a",queue="q1"})');
    expect(result.stdout).toContain(
      'each matcher of the selector matches series alone, but queue="q1" together with __name__=~"kps_test_.*", pod="a" matches none; there queue has: (none)',
    );
  });

  test('a rate range shorter than two scrape intervals (15 s data, [10s])', () => {
    const result = check('sum(rate(kps_test_requests_total[10s]))');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'rate(...[10s]) over kps_test_requests_total: the series is scraped about every 15s, so a 10s range holds fewer than the two samples rate needs; use at least [30s]',
    );
  });

  // Was: the tutorial's seed query without `_total` found "none of the N metric names is
  // close": the family suffix is six edits away, past the typo limit.
  test('a metric without its _total suffix: its family comes before edit distance', () => {
    const result = check('sum(rate(kps_test_requests[1m]))');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      '  - metric kps_test_requests has no series in the last hour (did you mean kps_test_requests_total?)',
    );
  });

  // Was: 600 s over the sample count called a 1-minute-old series scraped every 5 s
  // "about every 46s"; the samples' own timestamps say 5 s.
  test('a series a minute old: the scrape interval from its samples, not the window', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const lines = ['# TYPE kps_new_requests counter'];
    for (let t = nowS - 60; t <= nowS + 3600; t += 5) {
      lines.push(`kps_new_requests_total ${t - (nowS - 60)} ${t}`);
    }
    const fresh = await startPrometheus({ openMetrics: `${lines.join('\n')}\n# EOF\n` });
    try {
      const result = run([
        'check',
        '--metadata',
        'query=sum(rate(kps_new_requests_total[4s]))',
        '--metadata',
        'threshold=5',
        '--prometheus-url',
        fresh.url,
      ]);
      expect(result.stdout).toContain(
        'rate(...[4s]) over kps_new_requests_total: the series is scraped about every 5s, so a 4s range holds fewer than the two samples rate needs; use at least [10s]',
      );
    } finally {
      await fresh.stop();
    }
  });

  test('with ignoreNullValues=false the server fails, and check says why', () => {
    const result = check('sum(kps_test_queu_depth)', '--metadata', 'ignoreNullValues=false');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'no series: the query returned an empty result; with ignoreNullValues=false',
    );
    expect(result.stderr).toContain('did you mean kps_test_queue_depth?');
    expect(result.stderr).toContain('FAILED_PRECONDITION: the query returned an empty result');
  });

  test('IsActive reads right when the value is not above the threshold', () => {
    const result = check('sum(kps_test_fraction) - 0.25');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'IsActive        false  (value 0 is not above activationThreshold 0)',
    );
  });
});

describe('simulate on real manifests and people times', () => {
  test('--from -2h --to now over the Helm-values ScaledObject, answered by --prometheus-url', () => {
    const so = file(
      'sim.yaml',
      tutorial('queue', 'prometheus', {
        serverAddress: 'http://prometheus-server.monitoring.svc.cluster.local:80',
        query: 'sum(kps_test_queue_depth)',
        threshold: '10',
      }),
    );
    for (const [from, to] of [
      ['-1h', 'now'],
      ['1 hour ago', 'now'],
      [new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'), 'now'],
    ] as const) {
      const result = run([
        'simulate',
        '--scaledobject',
        so,
        '--from',
        from,
        '--to',
        to,
        '--prometheus-url',
        PROM_URL,
        '--output',
        'json',
      ]);
      expect({ from, status: result.status }).toEqual({ from, status: 0 });
      expect(result.stderr).toContain(
        `serverAddress http://prometheus-server.monitoring.svc.cluster.local:80 answered by ${PROM_URL}`,
      );
      const rows = (JSON.parse(result.stdout) as { rows: { values: (number | null)[] }[] }).rows;
      expect(rows.length).toBeGreaterThan(100);
      expect(rows.every(r => r.values.length === 1 && r.values[0] === 50)).toBe(true);
    }
  });

  test('examples/history.csv replays; a millisecond CSV gives the same rows, and says so', () => {
    const seconds = run([
      'simulate',
      '--scaledobject',
      'examples/scaledobject.yaml',
      '--series',
      'examples/history.csv',
      '--output',
      'csv',
    ]);
    expect(seconds.status).toBe(0);
    const csv = spawnSync(
      'awk',
      ['-F,', 'NR==1{print;next}{printf "%d000,%s\\n",$1,$2}', join(ROOT, 'examples/history.csv')],
      { encoding: 'utf8' },
    ).stdout;
    const millis = run([
      'simulate',
      '--scaledobject',
      'examples/scaledobject.yaml',
      '--series',
      file('ms.csv', csv),
      '--output',
      'csv',
    ]);
    expect(millis.status).toBe(0);
    expect(millis.stderr).toContain(
      '--series: timestamps are unix milliseconds; read as seconds / 1000',
    );
    expect(millis.stdout).toBe(seconds.stdout);
    expect(seconds.stdout).toContain('1763366400,');
  });

  test('--output yaml is named as the problem, not --scaledobject', () => {
    const result = run([
      'simulate',
      '--scaledobject',
      'examples/scaledobject.yaml',
      '--output',
      'yaml',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--output: must be table, csv or json, got "yaml"');
    expect(result.stderr).not.toContain('--scaledobject');
  });
});

test('an unreachable source is named with its URL', () => {
  const result = run([
    'check',
    '--metadata',
    'query=up',
    '--metadata',
    'threshold=1',
    '--prometheus-url',
    'http://127.0.0.1:9',
  ]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(
    /^UNAVAILABLE: source "prometheus" \(http:\/\/127\.0\.0\.1:9\) is unreachable \(ECONNREFUSED\)/,
  );
});
