// What a second new-user review of `migrate` found, each through the command's own function: a
// TriggerAuthentication's CA in every auth mode, reuse of --config sources with credentials,
// namespace scoping, server-managed fields, report and exit-code wording.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../../../src/config/load-config';
import type { MigrateReport } from '../../../src/migrate/report';
import { main } from '../../../src/main';
import { runMigrateCaptured as run } from '../../helpers/migrate-run';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-migrate2-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One ScaledObject with a built-in trigger; `extra` is more metadata (flow-map text). */
const scaledObject = (name: string, namespace: string, extra: string, auth?: string): string =>
  `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  scaleTargetRef: {name: ${name}}
  triggers:
    - type: prometheus
${auth === undefined ? '' : `      authenticationRef: {name: ${auth}}\n`}      metadata: {query: sum(up), threshold: "4"${extra === '' ? '' : `, ${extra}`}}
`;

/** Basic auth from Secret shop/c: the user name becomes a placeholder to fill in. */
const basicCreds = `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: creds, namespace: shop}
spec:
  secretTargetRef:
    - {parameter: username, name: c, key: user}
    - {parameter: password, name: c, key: pass}
---
`;

const bearerWithCa = `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: tok-ca, namespace: shop}
spec:
  secretTargetRef:
    - {parameter: bearerToken, name: tok, key: token}
    - {parameter: ca, name: prom-ca, key: ca.crt}
---
`;

describe("a TriggerAuthentication's ca", () => {
  test('is the source tls.caFile whatever authModes says, copied into its Secret', async () => {
    const configOut = join(dir, 'ca.yaml');
    const r = await run(
      ['-', '--config-out', configOut, '--output', 'json'],
      bearerWithCa +
        scaledObject(
          'withca',
          'shop',
          'serverAddress: "https://prom.example:9090", authModes: bearer',
          'tok-ca',
        ),
    );
    expect(r.code).toBe(0);
    const written = parse(readFileSync(configOut, 'utf8')) as {
      sources: Record<string, unknown>[];
    };
    expect(written.sources[0]).toMatchObject({
      bearerTokenFile: '/etc/keda-prometheus-scaler/sources/prom-tok-ca/bearerToken',
      tls: { caFile: '/etc/keda-prometheus-scaler/sources/prom-tok-ca/ca.crt' },
    });
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.secrets[0]?.keys.map(k => k.key)).toEqual(['bearerToken', 'ca.crt']);
  });
});

describe('a source of --config with credentials', () => {
  const input =
    bearerWithCa +
    scaledObject(
      'withca',
      'shop',
      'serverAddress: "https://prom.example:9090", authModes: bearer',
      'tok-ca',
    );

  test('is reused when it is the one migrate wrote (same URL, same credential files)', async () => {
    const first = join(dir, 'first.yaml');
    expect((await run(['-', '--config-out', first], input)).code).toBe(0);
    const again = join(dir, 'again.yaml');
    const r = await run(['-', '--config', first, '--config-out', again, '--output', 'json'], input);
    expect(r.code).toBe(0);
    const so = parseAllDocuments(r.out)[1]!.toJS() as {
      spec: { triggers: { metadata: Record<string, string> }[] };
    };
    expect(so.spec.triggers[0]!.metadata['source']).toBe('prom-tok-ca');
    // Nothing new to write: the source is the --config file's.
    expect(parse(readFileSync(again, 'utf8'))).toEqual({ sources: [] });
  });

  test('is not reused when its credentials differ, nor for a trigger without credentials', async () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(
      other,
      'sources:\n  - name: main\n    url: https://prom.example:9090\n    bearerTokenFile: /etc/x/token\n',
    );
    const sourceOf = async (text: string) => {
      const r = await run(['-', '--config', other], text);
      const docs = parseAllDocuments(r.out).map(
        d =>
          d.toJS() as { kind: string; spec?: { triggers: { metadata: Record<string, string> }[] } },
      );
      return docs.find(d => d.kind === 'ScaledObject')!.spec!.triggers[0]!.metadata['source'];
    };
    expect(await sourceOf(input)).toBe('prom-tok-ca');
    expect(
      await sourceOf(scaledObject('plain', 'shop', 'serverAddress: "https://prom.example:9090"')),
    ).toBe('prom');
  });

  test('a basic-auth user name written in place of the placeholder still matches', async () => {
    const existing = join(dir, 'basic.yaml');
    writeFileSync(
      existing,
      `sources:
  - name: web-prom
    url: https://prom.example:9090
    basicAuth: {username: reader, passwordFile: /etc/keda-prometheus-scaler/sources/web-prom/password}
`,
    );
    const r = await run(
      ['-', '--config', existing, '--output', 'json'],
      basicCreds +
        scaledObject(
          'b',
          'shop',
          'serverAddress: "https://prom.example:9090", authModes: basic',
          'creds',
        ),
    );
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.sources.map(s => s.name)).toEqual(['web-prom']);
    // Reused: nothing to fill in, nothing new to copy.
    expect(report.fillIn).toEqual([]);
    expect(r.code).toBe(0);
  });
});

test('a --config read from SCALER_CONFIG is named in the report', async () => {
  const existing = join(dir, 'env.yaml');
  writeFileSync(existing, 'sources:\n  - name: main\n    url: https://prom.example:9090\n');
  const err: string[] = [];
  const code = await main(
    ['migrate', '-'],
    { SCALER_CONFIG: existing },
    { out: () => undefined, err: t => void err.push(t) },
    () => scaledObject('plain', 'shop', 'serverAddress: "https://prom.example:9090"'),
  );
  expect(code).toBe(0);
  expect(err.join('')).toContain(
    `note: --config not given; read SCALER_CONFIG's ${existing} for sources to reuse`,
  );
});

describe('a --config source limited to other namespaces', () => {
  const scoped = () => {
    const file = join(dir, 'scoped.yaml');
    writeFileSync(
      file,
      'sources:\n  - name: plain\n    url: http://prometheus.monitoring.svc:9090\n    namespaces: [team-x]\n',
    );
    return file;
  };
  const analytics = scaledObject(
    'report',
    'analytics',
    'serverAddress: "http://prometheus.monitoring.svc:9090"',
  );

  test('makes the trigger cannot-move, named with the source and the namespace to add: exit 1', async () => {
    const r = await run(['-', '--config', scoped()], analytics);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'cannot move: spec.triggers[0]: source plain of the --config file (same URL and credentials) is limited to namespaces team-x: the scaler would refuse this trigger (PERMISSION_DENIED); add analytics to its namespaces and run migrate again',
    );
    // Passed through as it was.
    expect(r.out).toContain('type: prometheus');
  });

  test('a namespace in its list moves', async () => {
    const r = await run(
      ['-', '--config', scoped()],
      scaledObject('report', 'team-x', 'serverAddress: "http://prometheus.monitoring.svc:9090"'),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('source: plain');
  });
});

test("objects from kubectl get -o yaml are written without the server's fields and status", async () => {
  const fromServer = `apiVersion: v1
kind: List
items:
  - apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    metadata:
      name: orders
      namespace: shop
      uid: 0d6c1f9e-1111-2222-3333-444455556666
      resourceVersion: "73912"
      generation: 4
      creationTimestamp: "2026-11-02T10:00:00Z"
      managedFields: [{manager: kubectl-client-side-apply, operation: Update}]
      labels: {team: shop}
      annotations:
        kubectl.kubernetes.io/last-applied-configuration: '{"kind":"ScaledObject"}'
        owner: shop-team
    spec:
      scaleTargetRef: {name: orders}
      triggers:
        - type: prometheus
          metadata: {serverAddress: "http://prom:9090", query: sum(up), threshold: "4"}
    status: {conditions: [{type: Ready, status: "True"}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orders, namespace: shop, resourceVersion: "5", uid: abc, annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}}
    spec: {replicas: 2}
    status: {replicas: 2}
`;
  const r = await run(['-'], fromServer);
  expect(r.code).toBe(0);
  const [so, deployment] = parseAllDocuments(r.out).map(d => d.toJS() as Record<string, unknown>);
  expect(so!['metadata']).toEqual({
    name: 'orders',
    namespace: 'shop',
    labels: { team: 'shop' },
    annotations: { owner: 'shop-team' },
  });
  expect(so!['status']).toBeUndefined();
  expect(deployment).toEqual({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orders', namespace: 'shop' },
    spec: { replicas: 2 },
  });
});

test('a misspelled key says what KEDA did instead: used the correct key next to it, or refused', async () => {
  const warning = async (extra: string) =>
    (await run(['-'], scaledObject('t', 'shop', `serverAddress: "http://prom:9090", ${extra}`))).err
      .split('\n')
      .filter(l => l.includes('did you mean'));
  // threshold: "4" is in every trigger here; treshold is the slip next to it.
  expect(await warning('treshold: "9"')).toEqual([
    '  warning: spec.triggers[0].metadata.treshold: removed; KEDA ignored it (did you mean "threshold"? KEDA used the "threshold" written next to it)',
  ]);
  const alone = (
    await run(
      ['-'],
      scaledObject('t', 'shop', 'serverAddress: "http://prom:9090"').replace(
        'threshold: "4"',
        'threshhold: "4"',
      ),
    )
  ).err;
  expect(alone).toContain(
    'warning: spec.triggers[0].metadata.threshhold: removed; KEDA ignored it (did you mean "threshold"? KEDA requires "threshold" and refused the trigger without it)',
  );
});

test('the documented kubectl pipeline and --help read ClusterTriggerAuthentications too', async () => {
  const docs = readFileSync(join(__dirname, '../../../docs/migrate.md'), 'utf8');
  const gets = docs.split('\n').filter(l => /kubectl get \S*triggerauthentications/.test(l));
  expect(gets.length).toBeGreaterThan(0);
  for (const line of gets) expect(line).toContain(',clustertriggerauthentications');
  const help = await run(['--help']);
  expect(help.out).toContain(
    'scaledobjects,scaledjobs,triggerauthentications,clustertriggerauthentications -A -o yaml',
  );
});

describe('unsafeSsl', () => {
  test('on https is reported once and moves to the source', async () => {
    const configOut = join(dir, 'unsafe.yaml');
    const r = await run(
      ['-', '--config-out', configOut],
      scaledObject('u', 'shop', 'serverAddress: "https://prom:9090", unsafeSsl: "true"'),
    );
    expect(r.code).toBe(0);
    expect(r.err.split('\n').filter(l => l.includes('unsafeSsl'))).toEqual([
      "  - spec.triggers[0].metadata.unsafeSsl: removed; unsafeSsl moves to the source (tls.insecureSkipVerify): left in an external trigger's metadata it would also make KEDA skip verifying the scaler's own certificate",
    ]);
    expect(readFileSync(configOut, 'utf8')).toContain('insecureSkipVerify: true');
  });

  test('on http splits no source and is said to be ignored, as KEDA ignored it', async () => {
    const configOut = join(dir, 'http-unsafe.yaml');
    const r = await run(
      ['-', '--config-out', configOut],
      scaledObject('a', 'shop', 'serverAddress: "http://prom:9090", unsafeSsl: "true"') +
        '---\n' +
        scaledObject('b', 'shop', 'serverAddress: "http://prom:9090"'),
    );
    expect(r.code).toBe(0);
    const written = parse(readFileSync(configOut, 'utf8')) as {
      sources: Record<string, unknown>[];
    };
    expect(written.sources).toEqual([
      { name: 'prom', url: 'http://prom:9090', namespaces: ['shop'] },
    ]);
    expect(r.err).toContain(
      '  - spec.triggers[0].metadata.unsafeSsl: removed; ignored: serverAddress is http://, where KEDA ignored it too (there is no TLS to verify)',
    );
  });
});

describe('the report says', () => {
  test('which sources are written and which are reused from --config, with the list each really has', async () => {
    const existing = join(dir, 'scoped-many.yaml');
    writeFileSync(
      existing,
      'sources:\n  - name: plain\n    url: http://prometheus.monitoring.svc:9090\n    namespaces: [team-x, analytics]\n',
    );
    const r = await run(
      ['-', '--config', existing],
      scaledObject('a', 'analytics', 'serverAddress: "http://prometheus.monitoring.svc:9090"') +
        '---\n' +
        scaledObject('b', 'shop', 'serverAddress: "http://other.monitoring.svc:9090"'),
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      'Sources to write (the scaler configuration, --config-out):\n  other: http://other.monitoring.svc:9090, namespaces shop; used by ScaledObject shop/b\n',
    );
    expect(r.err).toContain(
      'Sources reused from --config (already there, not written again):\n  plain: http://prometheus.monitoring.svc:9090, namespaces team-x, analytics; used by ScaledObject analytics/a\n',
    );
  });

  test('a cut-over with no source and no External metric names neither Secrets nor "other" ScaledObjects', async () => {
    const r = await run([join(__dirname, '../../fixtures/migrate/adapter-kube-prometheus.yaml')]);
    expect(r.err).toContain(
      '  1. No source to deploy (only cpu/memory triggers); check the converted ScaledObjects',
    );
    expect(r.err).toContain('  3. Apply the ScaledObjects: KEDA takes each existing HPA over');
    expect(r.err).not.toContain('Secrets above');
  });

  test('the top-level help keeps a space after migrate FILE...', async () => {
    const out: string[] = [];
    await main(['--help'], {}, { out: t => void out.push(t), err: () => undefined });
    expect(out.join('')).toMatch(/ migrate FILE\.\.\. +convert /);
  });
});

test("the configuration loader refuses migrate's placeholder left in a credential field, naming the key", async () => {
  const configOut = join(dir, 'placeholder.yaml');
  await run(
    ['-', '--config-out', configOut],
    basicCreds +
      scaledObject(
        'b',
        'shop',
        'serverAddress: "https://prom.example:9090", authModes: basic',
        'creds',
      ),
  );
  const written: unknown = parse(readFileSync(configOut, 'utf8'));
  expect(() => validateConfig(written)).toThrow(
    `sources[0].basicAuth.username: "<username>" is migrate's placeholder, not a value; write the value it stands for`,
  );
  // Filled in, it loads.
  const filled: unknown = parse(readFileSync(configOut, 'utf8').replaceAll('<username>', 'reader'));
  expect(validateConfig(filled as Record<string, unknown>).sources[0]?.basicAuth?.username).toBe(
    'reader',
  );
});

describe('no object read', () => {
  test('empty standard input (a kubectl get that failed) exits 2, naming it; nothing is written', async () => {
    const configOut = join(dir, 'never.yaml');
    const r = await run(['-', '--config-out', configOut], '');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "standard input: no objects read (empty input, or an empty List); if it came from kubectl get, see that command's error",
    );
    expect(r.out).toBe('');
    expect(() => readFileSync(configOut)).toThrow();
  });

  test('an empty List exits 2 too', async () => {
    const r = await run(['-'], 'apiVersion: v1\nkind: List\nitems: []\n');
    expect(r.code).toBe(2);
  });

  test('the exit codes read the same in --help, docs/migrate.md and docs/cli.md', async () => {
    const help = (await run(['--help'])).out.replace(/\s+/g, ' ');
    expect(help).toContain('2 for bad flags or input, no object read included');
    for (const page of ['docs/migrate.md', 'docs/cli.md']) {
      const text = readFileSync(join(__dirname, '../../..', page), 'utf8').replace(/\s+/g, ' ');
      expect(text).toContain('no object read at all');
      expect(text).toMatch(
        /Without `--config-out` the new sources are (not written|only reported)/,
      );
    }
  });
});

test('a TriggerAuthentication used without authModes: KEDA sent none of it, so no credentials, and a warning says so', async () => {
  const configOut = join(dir, 'no-modes.yaml');
  const r = await run(
    ['-', '--config-out', configOut],
    bearerWithCa +
      scaledObject('nomodes', 'shop', 'serverAddress: "https://prom.example:9090"', 'tok-ca'),
  );
  expect(r.code).toBe(0);
  expect(r.err).toContain(
    'warning: spec.triggers[0]: TriggerAuthentication shop/tok-ca: authModes is not set, so KEDA sent none of its parameters bearerToken, ca and the source gets no credentials either',
  );
  const written = parse(readFileSync(configOut, 'utf8')) as { sources: Record<string, unknown>[] };
  expect(written.sources[0]).toEqual({
    name: 'prom-tok-ca',
    url: 'https://prom.example:9090',
    namespaces: ['shop'],
  });
});

test('a misspelled TriggerAuthentication parameter gets its did-you-mean', async () => {
  const ta = `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: typo, namespace: shop}
spec:
  secretTargetRef:
    - {parameter: bearerTokn, name: tok, key: token}
---
`;
  const r = await run(
    ['-'],
    ta + scaledObject('t', 'shop', 'serverAddress: "https://prom:9090", authModes: bearer', 'typo'),
  );
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    'warning: spec.triggers[0]: TriggerAuthentication shop/typo: parameter bearerTokn: KEDA\'s prometheus trigger reads no such parameter (did you mean "bearerToken"?); ignored, as KEDA ignored it',
  );
});

test('an HPA metric name no rule serves gets the did-you-mean of the names the rules serve', async () => {
  const walkthrough = readFileSync(
    join(__dirname, '../../fixtures/migrate/adapter-walkthrough.yaml'),
    'utf8',
  ).replace('name: rabbitmq_queue_messages_ready', 'name: rabbitmq_queue_message_ready');
  const r = await run(['-'], walkthrough);
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    'cannot move: spec.metrics[0].external.metric.name: no externalRules entry of ConfigMap monitoring/adapter-config (stdin#1) serves "rabbitmq_queue_message_ready" (after name, seriesQuery and seriesFilters) (did you mean "rabbitmq_queue_messages_ready"?)',
  );
});
