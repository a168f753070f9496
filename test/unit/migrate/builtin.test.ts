// `migrate` on built-in prometheus triggers, through the command's own function: the converted
// objects, the sources (read back by the server's own configuration loader), the Secrets named
// with their copy command, what cannot move, and bad input (exit 2, nothing written).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../../../src/config/load-config';
import { deriveMetricName } from '../../../src/core/metric-name';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { MigrateReport } from '../../../src/migrate/report';
import { runMigrateCaptured } from '../../helpers/migrate-run';

const FIXTURES = join(__dirname, '../../fixtures/migrate');
const DOCS = join(FIXTURES, 'builtin-docs.yaml');
const CANNOT = join(FIXTURES, 'builtin-cannot-move.yaml');
const OPTIONS = join(FIXTURES, 'builtin-docs-options.yaml');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-migrate-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: unknown;
}
/** The fields these tests read from an object. */
interface Obj {
  kind: string;
  metadata: { name: string };
  spec: { triggers: Trigger[]; fallback?: unknown; advanced?: unknown };
}

const run = runMigrateCaptured;

const docsOf = (text: string): Obj[] => parseAllDocuments(text).map(d => d.toJS() as Obj);
const find = (docs: Obj[], kind: string, name: string): Obj =>
  docs.find(d => d.kind === kind && d.metadata.name === name)!;
const trigger = (docs: Obj[], name: string, index = 0): Trigger =>
  find(docs, 'ScaledObject', name).spec.triggers[index]!;

describe('built-in prometheus triggers', () => {
  test('each becomes external with scalerAddress and source; names, fallback, metricType and advanced stay', async () => {
    const configOut = join(dir, 'sources.yaml');
    const r = await run([DOCS, '--config-out', configOut, '--output', 'json']);
    // Everything converts; the basic-auth user name is a value to fill in (below): exit 1.
    expect(r.code).toBe(1);
    const input = docsOf(readFileSync(DOCS, 'utf8'));
    const docs = docsOf(r.out);
    expect(docs).toHaveLength(input.length);

    const orders = find(docs, 'ScaledObject', 'orders');
    const before = find(input, 'ScaledObject', 'orders');
    expect(orders.spec.triggers[0]).toEqual({
      type: 'external',
      name: 'rps',
      metricType: 'AverageValue',
      metadata: {
        scalerAddress: 'keda-prometheus-scaler.keda.svc.cluster.local:6000',
        source: 'prometheus-operated',
        query: 'sum(rate(http_requests_total{deployment="orders"}[2m]))',
        threshold: '100',
        activationThreshold: '5',
      },
    });
    expect(orders.spec.fallback).toEqual(before.spec.fallback);
    expect(orders.spec.advanced).toEqual(before.spec.advanced);
    // A trigger of another type is left as it is; the credentials' reference is gone.
    const cart = find(docs, 'ScaledObject', 'cart');
    expect(cart.spec.triggers[1]).toEqual(trigger(input, 'cart', 1));
    expect(cart.spec.triggers[0]?.authenticationRef).toBeUndefined();
    expect(find(docs, 'ScaledJob', 'exporter').spec.triggers[0]?.type).toBe('external');
    // Untouched objects pass through as they were.
    expect(find(docs, 'Deployment', 'orders')).toEqual(find(input, 'Deployment', 'orders'));

    // Every converted trigger is accepted by the server's parser.
    for (const d of docs.filter(x => x.kind === 'ScaledObject' || x.kind === 'ScaledJob')) {
      for (const t of d.spec.triggers.filter(x => x.type === 'external')) {
        expect(() => parseTrigger(t.metadata)).not.toThrow();
      }
    }

    // The sources are a configuration the server loads, each scoped to its users' namespaces.
    const config = validateConfig(
      parse(readFileSync(configOut, 'utf8').replaceAll('<username>', 'reader')),
    );
    const byName = new Map(config.sources.map(s => [s.name, s]));
    expect(byName.get('prometheus-operated')?.namespaces).toEqual(['data', 'shop']);
    expect(byName.get('thanos-query-prom-bearer')?.bearerTokenFile).toBe(
      '/etc/keda-prometheus-scaler/sources/thanos-query-prom-bearer/bearerToken',
    );
    expect(byName.get('prometheus-prom-basic-tls')?.tls?.certFile).toMatch(/tls\.crt$/);
    expect(byName.get('aps-workspaces-amp-identity')?.auth?.sigv4).toMatchObject({
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/keda-amp-reader',
    });
    expect(byName.get('example-amw-azure-managed-prometheus')?.auth?.azure?.clientId).toBe(
      '00000000-1111-2222-3333-444444444444',
    );

    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.summary).toEqual({ converted: 6, unchanged: 5, cannotMove: 0, withheld: 0 });
    const ordersReport = report.objects.find(o => o.object === 'ScaledObject shop/orders')!;
    expect(ordersReport.changes.join('\n')).toMatch(
      /metricName: removed; KEDA ignores it since v2\.12/,
    );
    expect(ordersReport.changes.join('\n')).toMatch(
      /cortexOrgID: removed; KEDA ignores it since v2\.15/,
    );
    // Secrets: named with their keys and a copy command, never a value.
    const bearer = report.secrets.find(s => s.source === 'thanos-query-prom-bearer')!;
    expect(bearer).toMatchObject({
      name: 'kps-source-thanos-query-prom-bearer',
      namespace: 'keda',
      keys: [{ key: 'bearerToken', from: { namespace: 'shop', name: 'prom-token', key: 'token' } }],
    });
    expect(bearer.command).toBe(
      "kubectl create secret generic kps-source-thanos-query-prom-bearer -n keda --from-file=bearerToken=<(kubectl get secret -n shop prom-token -o jsonpath='{.data.token}' | base64 -d)",
    );
    expect(report.fillIn).toEqual([
      {
        source: 'prometheus-prom-basic-tls',
        field: 'sources[2].basicAuth.username',
        placeholder: '<username>',
        what: 'the value of Secret billing/prom-creds key username',
      },
    ]);
  });

  test('kubectl List output gives the same result as the documents', async () => {
    const input = docsOf(readFileSync(DOCS, 'utf8'));
    const list = join(dir, 'list.yaml');
    writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: input }));
    const fromList = await run([list]);
    const fromDocs = await run([DOCS]);
    expect(fromList.code).toBe(fromDocs.code);
    expect(fromList.out).toBe(fromDocs.out);
  });

  test('standard input, --push and --scaler-address', async () => {
    const r = await run(
      ['-', '--push', '--scaler-address', 'kps.autoscaling:6000'],
      readFileSync(DOCS, 'utf8'),
    );
    expect(r.code).toBe(1); // the basic-auth user name to fill in
    const t = trigger(docsOf(r.out), 'orders');
    expect(t.type).toBe('external-push');
    expect(t.metadata['scalerAddress']).toBe('kps.autoscaling:6000');
  });

  test('a source of an existing configuration is reused by its URL', async () => {
    const existing = join(dir, 'existing.yaml');
    writeFileSync(
      existing,
      'sources:\n  - name: main\n    url: http://prometheus-operated.monitoring.svc:9090/\n',
    );
    const configOut = join(dir, 'reused.yaml');
    const r = await run([DOCS, '--config', existing, '--config-out', configOut]);
    expect(trigger(docsOf(r.out), 'orders').metadata['source']).toBe('main');
    const written = parse(readFileSync(configOut, 'utf8')) as { sources: { name: string }[] };
    expect(written.sources.map(s => s.name)).not.toContain('main');
  });

  test('unknown, misspelled and metadata-only keys are removed and reported; unsafeSsl moves to the source', async () => {
    const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: web}
spec:
  scaleTargetRef: {name: api}
  triggers:
    - type: prometheus
      metadata:
        serverAddress: https://prom.web.example
        query: http_inflight[5m]
        threshold: "4"
        activationThreshhold: "2"
        metricType: Value
        unsafeSsl: "true"
        namespace: "web team"
`;
    const configOut = join(dir, 'insecure.yaml');
    const r = await run(['-', '--config-out', configOut], so);
    expect(r.code).toBe(0);
    const metadata = trigger(docsOf(r.out), 'api').metadata;
    expect(Object.keys(metadata).sort()).toEqual(
      ['namespace', 'query', 'scalerAddress', 'source', 'threshold'].sort(),
    );
    expect(r.err).toContain(
      'activationThreshhold: removed; KEDA ignored it (did you mean "activationThreshold"?',
    );
    expect(r.err).toContain('KEDA ignores metricType in metadata');
    expect(r.err).toContain('looks like a range vector');
    expect(r.err).toContain('namespace is URL-escaped here');
    expect(r.err).toContain("skip verifying the scaler's own certificate");
    const config = validateConfig(parse(readFileSync(configOut, 'utf8')));
    expect(config.sources[0]?.tls?.insecureSkipVerify).toBe(true);
  });

  test('authModes custom: the header value is read from a file mounted from the Secret, never written', async () => {
    const input = `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: gateway-key, namespace: web}
spec:
  secretTargetRef:
    - {parameter: customAuthHeader, name: gateway, key: header}
    - {parameter: customAuthValue, name: gateway, key: value}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: web}
spec:
  scaleTargetRef: {name: api}
  triggers:
    - type: prometheus
      authenticationRef: {name: gateway-key}
      metadata:
        serverAddress: https://prom.web.example
        query: sum(http_inflight)
        threshold: "4"
        authModes: custom
`;
    const configOut = join(dir, 'custom.yaml');
    const r = await run(['-', '--config-out', configOut, '--output', 'json'], input);
    expect(r.code).toBe(1); // the header's name to fill in
    const written = readFileSync(configOut, 'utf8');
    // Once the user writes the header's name (a to-do below), the configuration loads: the value
    // is a file, not a literal credential header, which the loader refuses.
    const source = validateConfig(parse(written.replaceAll('<Header-Name>', 'X-Api-Key')))
      .sources[0]!;
    expect(Object.keys(source.headerFiles)).toEqual(['X-Api-Key']);
    expect(source.headerFiles['X-Api-Key']).toMatch(/\/customAuthValue$/);
    expect(source.headers).toEqual({});
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.secrets[0]?.keys).toEqual([
      { key: 'customAuthValue', from: { namespace: 'web', name: 'gateway', key: 'value' } },
    ]);
    expect(report.fillIn).toEqual([
      {
        source: 'prom-gateway-key',
        field: 'sources[0].headerFiles (the header name)',
        placeholder: '<Header-Name>',
        what: 'the value of Secret web/gateway key header',
      },
    ]);
  });
});

describe('what the reviewer trying migrate as a new user found', () => {
  const basic = (password: boolean) => `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: prom-basic, namespace: web}
spec:
  secretTargetRef:
    - {parameter: username, name: creds, key: user}
${password ? '    - {parameter: password, name: creds, key: pass}\n' : ''}---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: web}
spec:
  scaleTargetRef: {name: api}
  triggers:
    - type: prometheus
      authenticationRef: {name: prom-basic}
      metadata: {serverAddress: https://prom.web.example, query: sum(up), threshold: "4", authModes: basic}
`;

  test('a value only a person can fill in is listed with where it is, in the report and the file, and exits 1', async () => {
    const configOut = join(dir, 'fill-in.yaml');
    const r = await run(['-', '--config-out', configOut], basic(true));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'Fill in by hand (the --config-out file holds the <placeholder> until you do; exit 1 until then):',
    );
    expect(r.err).toContain(
      '  sources[0].basicAuth.username (source prom-prom-basic): <username>: the value of Secret web/creds key user',
    );
    const written = readFileSync(configOut, 'utf8');
    expect(written).toMatch(
      /^# Written by keda-prometheus-scaler migrate\. Fill in before use:\n# {3}sources\[0\]\.basicAuth\.username \(source prom-prom-basic\): <username>: /,
    );
    const json = JSON.parse(
      (await run(['-', '--output', 'json'], basic(true))).err,
    ) as MigrateReport;
    expect(json.fillIn).toEqual([
      {
        source: 'prom-prom-basic',
        field: 'sources[0].basicAuth.username',
        placeholder: '<username>',
        what: 'the value of Secret web/creds key user',
      },
    ]);
  });

  test("basic auth without a password (KEDA sent an empty one) reads an empty key of the source's Secret: the configuration loads", async () => {
    const configOut = join(dir, 'empty-password.yaml');
    const r = await run(['-', '--config-out', configOut, '--output', 'json'], basic(false));
    const config: unknown = parse(
      readFileSync(configOut, 'utf8').replaceAll('<username>', 'reader'),
    );
    const source = validateConfig(config).sources[0]!;
    expect(source.basicAuth?.passwordFile).toBe(
      '/etc/keda-prometheus-scaler/sources/prom-prom-basic/password',
    );
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.secrets[0]?.command).toBe(
      'kubectl create secret generic kps-source-prom-prom-basic -n keda --from-literal=password=',
    );
  });

  test('an unknown key is reported once', async () => {
    const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: web}
spec:
  scaleTargetRef: {name: api}
  triggers:
    - type: prometheus
      metadata: {serverAddress: http://prom.web:9090, query: sum(up), threshold: "4", activationThreshhold: "2", team: web}
`;
    const r = await run(['-'], so);
    expect(r.code).toBe(0);
    const lines = (key: string) => r.err.split('\n').filter(l => l.includes(`.metadata.${key}:`));
    expect(lines('activationThreshhold')).toEqual([
      '  warning: spec.triggers[0].metadata.activationThreshhold: removed; KEDA ignored it (did you mean "activationThreshold"? KEDA ran as if "activationThreshold" were not set)',
    ]);
    expect(lines('team')).toEqual([
      '  - spec.triggers[0].metadata.team: removed; KEDA ignored this unknown key',
    ]);
  });

  test('the HPA metric name each trigger had and will have is reported, as the server names it', async () => {
    const r = await run([DOCS, '--output', 'json']);
    const report = JSON.parse(r.err) as MigrateReport;
    const cart = report.objects.find(o => o.object === 'ScaledObject shop/cart')!;
    const converted = trigger(docsOf(r.out), 'cart', 0);
    // KEDA prefixes the name GetMetricSpec returns with s<trigger index>-.
    const after = `s0-${deriveMetricName(parseTrigger(converted.metadata), converted.metadata['source']!)}`;
    expect(cart.hpaMetrics).toEqual([
      { trigger: 'spec.triggers[0]', before: 's0-prometheus', after },
    ]);
    expect(cart.changes).toContain(
      `spec.triggers[0]: HPA metric s0-prometheus → ${after} (update dashboards and alerts that read it)`,
    );
  });
});

describe("every optional field of KEDA's prometheus scaler page", () => {
  test('stays on the trigger; custom authentication becomes a source header read from a file, no value shown', async () => {
    const configOut = join(dir, 'options.yaml');
    const r = await run([OPTIONS, '--config-out', configOut, '--output', 'json']);
    expect(r.code).toBe(1); // the header's name to fill in
    const docs = docsOf(r.out);
    // The Secret given along is not written; its values appear nowhere, encoded or not.
    expect(docs.map(d => d.kind)).toEqual(['TriggerAuthentication', 'ScaledObject']);
    const written = r.out + r.err + readFileSync(configOut, 'utf8');
    for (const secret of [
      'c2VjcmV0LXZhbHVlLW5ldmVyLXByaW50ZWQ=',
      'secret-value-never-printed',
      'WC1BVVRILVRPS0VO',
      'X-AUTH-TOKEN',
    ]) {
      expect(written).not.toContain(secret);
    }
    // timeout: 1000 (a YAML number, KEDA's bare milliseconds) is kept as text.
    expect(trigger(docs, 'ledger').metadata).toEqual({
      scalerAddress: 'keda-prometheus-scaler.keda.svc.cluster.local:6000',
      source: 'thanos-query-prom-header',
      query: 'sum(rate(ledger_writes_total{deployment="ledger"}[2m]))',
      threshold: '100.50',
      activationThreshold: '5.5',
      namespace: 'payments',
      customHeaders: 'X-Client-Id=ledger,X-Tenant-Id=payments',
      ignoreNullValues: 'false',
      queryParameters: 'dedup=true,partial_response=false',
      timeout: '1000',
    });
    // The header's name is a placeholder its to-do replaces; its value is a file of the copied
    // Secret, never written into the configuration.
    const config = parse(readFileSync(configOut, 'utf8')) as {
      sources: { headerFiles: Record<string, string> }[];
    };
    expect(Object.keys(config.sources[0]!.headerFiles)).toEqual(['<Header-Name>']);
    expect(config.sources[0]!.headerFiles['<Header-Name>']).toMatch(/\/customAuthValue$/);
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.sources[0]?.todo).toEqual([]);
    expect(report.fillIn).toEqual([
      expect.objectContaining({
        what: 'the value of Secret payments/prom-header key customAuthHeader',
      }),
    ]);
    // 1000 ms is within the source's 3 s; 8000 is not.
    expect(report.objects.find(o => o.object === 'ScaledObject payments/ledger')?.warnings).toEqual(
      [expect.stringMatching(/^spec\.triggers\[1\]\.metadata\.timeout: 8s is above source/)],
    );
  });
});

describe("a trigger timeout above its source's", () => {
  // KEDA sends the built-in trigger's timeout upstream; here the shared request carries the
  // source's. 10000 is KEDA's bare-milliseconds form.
  const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: slow, namespace: web}
spec:
  scaleTargetRef: {name: slow}
  triggers:
    - type: prometheus
      metadata: {serverAddress: http://prom.web:9090, query: sum(up), threshold: "1", timeout: "10000"}
    - type: prometheus
      metadata: {serverAddress: http://prom.web:9090, query: sum(up), threshold: "1", timeout: "2s"}
`;
  test("queryParameters timeout= above the source's is a warning: Prometheus gets the source's", async () => {
    const withParameter = so
      .replace('timeout: "10000"}', 'queryParameters: "timeout=10s"}')
      .replace('timeout: "2s"}', 'queryParameters: "timeout=2"}');
    const r = await run(['-', '--output', 'json'], withParameter);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.err) as MigrateReport).objects[0]?.warnings).toEqual([
      "spec.triggers[0].metadata.queryParameters: timeout=10s is above source prom's timeout (3s): the request to Prometheus carries the source's timeout (a queryParameters timeout= may only lower it, docs/multi-tenancy.md), so Prometheus is asked for 3s; raise the source's timeout if the query needs longer",
    ]);
  });

  test("is a warning naming both timeouts; one within it is not; an existing source's own counts", async () => {
    const r = await run(['-', '--output', 'json'], so);
    expect(r.code).toBe(0);
    const warnings = (JSON.parse(r.err) as MigrateReport).objects[0]?.warnings;
    expect(warnings).toEqual([
      "spec.triggers[0].metadata.timeout: 10s is above source prom's timeout (3s): the query to Prometheus gives up after the source's timeout, and the trigger's timeout only bounds its own wait; raise the source's timeout if the query needs longer",
    ]);
    const existing = join(dir, 'slow-source.yaml');
    writeFileSync(
      existing,
      'sources:\n  - name: web\n    url: http://prom.web:9090\n    timeout: 15s\n',
    );
    const withConfig = await run(['-', '--config', existing, '--output', 'json'], so);
    expect((JSON.parse(withConfig.err) as MigrateReport).objects[0]?.warnings).toEqual([]);
  });
});

describe('what cannot move', () => {
  test('is written unchanged, named with its field, and exits 1; the other objects still convert', async () => {
    const r = await run([CANNOT, '--output', 'json']);
    expect(r.code).toBe(1);
    const input = docsOf(readFileSync(CANNOT, 'utf8'));
    const docs = docsOf(r.out);
    for (const name of ['search', 'mailer', 'thumbnails']) {
      expect(find(docs, 'ScaledObject', name)).toEqual(find(input, 'ScaledObject', name));
    }
    const report = JSON.parse(r.err) as MigrateReport;
    const reasons = (name: string) =>
      report.objects.find(o => o.object.endsWith(`/${name}`))!.reasons.join('\n');
    expect(reasons('search')).toContain('parameter bearerToken comes from env PROM_TOKEN');
    expect(reasons('mailer')).toContain(
      'spec.triggers[0].authenticationRef.name: TriggerAuthentication shop/prom-missing is not in the input',
    );
    // All or nothing: the second trigger could move, the first cannot, so neither does.
    expect(reasons('thumbnails')).toContain(
      'spec.triggers[0].metadata.threshold: threshold must be > 0 here',
    );
    expect(report.objects.find(o => o.object.endsWith('/thumbnails'))!.changes).toEqual([]);
    expect(report.sources).toEqual([]);
  });
});

describe('bad input: exit 2, named, nothing written', () => {
  test.each([
    ['unparseable YAML', 'a: [\n', /^stdin: not YAML: /],
    [
      'an unknown keda.sh kind',
      'apiVersion: keda.sh/v1alpha1\nkind: ScaledObjekt\nmetadata: {name: x}\n',
      'stdin: kind: unknown keda.sh kind "ScaledObjekt" (did you mean "ScaledObject"?)',
    ],
    ['no kind', 'foo: 1\n', /^stdin: neither a Kubernetes object/],
    [
      'an object without a name',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n',
      'stdin: metadata.name: must be a non-empty string',
    ],
    ['a list of scalars', '- 1\n- 2\n', 'stdin: must be a mapping (an object)'],
  ])('%s', async (_name, text, message) => {
    const r = await run(['-'], text);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  test('a missing file, no file, a bad flag value', async () => {
    expect((await run([join(dir, 'nope.yaml')])).err).toMatch(/nope\.yaml: cannot read \(ENOENT\)/);
    expect((await run([])).code).toBe(2);
    expect((await run([DOCS, '--output', 'xml'])).err).toContain('--output: must be text or json');
    expect((await run([DOCS, '--scaler-address', 'http://x'])).code).toBe(2);
  });

  test('a Secret given along is never written, and no secret value reaches any output', async () => {
    const value = 's3cr3t-t0ken-value';
    const secret = `apiVersion: v1
kind: Secret
metadata: {name: prom-token, namespace: shop}
stringData: {token: ${value}}
data: {token: ${Buffer.from(value).toString('base64')}}
---
`;
    const configOut = join(dir, 'with-secret.yaml');
    const r = await run(['-', '--config-out', configOut], secret + readFileSync(DOCS, 'utf8'));
    expect(r.code).toBe(1); // the basic-auth user name to fill in
    for (const text of [r.out, r.err, readFileSync(configOut, 'utf8')]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    // One true line about it: not written, and why; not also "unchanged (passed through)".
    const secretLines = r.err.split('\n').filter(l => l.startsWith('Secret shop/prom-token'));
    expect(secretLines).toEqual([
      'Secret shop/prom-token (stdin#1): not written (a Secret: migrate never outputs secret values)',
    ]);
    expect(r.err).toMatch(/, 1 Secret\(s\) not written, 1 value\(s\) to fill in\n$/);
    expect(r.out).not.toMatch(/^kind: Secret$/m);
  });
});
