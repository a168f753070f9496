// `migrate` on built-in prometheus triggers, through the command's own function: the converted
// objects, the sources (read back by the server's own configuration loader), the Secrets named
// with their copy command, what cannot move, and bad input (exit 2, nothing written).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { main } from '../../../src/main';
import { validateConfig } from '../../../src/config/load-config';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { MigrateReport } from '../../../src/migrate/report';

const FIXTURES = join(__dirname, '../../fixtures/migrate');
const DOCS = join(FIXTURES, 'builtin-docs.yaml');
const CANNOT = join(FIXTURES, 'builtin-cannot-move.yaml');
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

async function run(
  args: string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['migrate', ...args],
    {},
    { out: t => void out.push(t), err: t => void err.push(t) },
    () => stdin,
  );
  return { code, out: out.join(''), err: err.join('') };
}

const docsOf = (text: string): Obj[] => parseAllDocuments(text).map(d => d.toJS() as Obj);
const find = (docs: Obj[], kind: string, name: string): Obj =>
  docs.find(d => d.kind === kind && d.metadata.name === name)!;
const trigger = (docs: Obj[], name: string, index = 0): Trigger =>
  find(docs, 'ScaledObject', name).spec.triggers[index]!;

describe('built-in prometheus triggers', () => {
  test('each becomes external with scalerAddress and source; names, fallback, metricType and advanced stay', async () => {
    const configOut = join(dir, 'sources.yaml');
    const r = await run([DOCS, '--config-out', configOut, '--output', 'json']);
    expect(r.code).toBe(0);
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
    const config = validateConfig(parse(readFileSync(configOut, 'utf8')));
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
    const basic = report.sources.find(s => s.name === 'prometheus-prom-basic-tls')!;
    expect(basic.todo.join('\n')).toContain('Secret billing/prom-creds key username');
  });

  test('kubectl List output gives the same result as the documents', async () => {
    const input = docsOf(readFileSync(DOCS, 'utf8'));
    const list = join(dir, 'list.yaml');
    writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: input }));
    const fromList = await run([list]);
    const fromDocs = await run([DOCS]);
    expect(fromList.code).toBe(0);
    expect(fromList.out).toBe(fromDocs.out);
  });

  test('standard input, --push and --scaler-address', async () => {
    const r = await run(
      ['-', '--push', '--scaler-address', 'kps.autoscaling:6000'],
      readFileSync(DOCS, 'utf8'),
    );
    expect(r.code).toBe(0);
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
      'activationThreshhold: KEDA ignored it (did you mean "activationThreshold"?',
    );
    expect(r.err).toContain('KEDA ignores metricType in metadata');
    expect(r.err).toContain('looks like a range vector');
    expect(r.err).toContain('namespace is URL-escaped here');
    expect(r.err).toContain("skip verifying the scaler's own certificate");
    const config = validateConfig(parse(readFileSync(configOut, 'utf8')));
    expect(config.sources[0]?.tls?.insecureSkipVerify).toBe(true);
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
    expect(r.code).toBe(0);
    for (const text of [r.out, r.err, readFileSync(configOut, 'utf8')]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    // One true line about it: not written, and why; not also "unchanged (passed through)".
    const secretLines = r.err.split('\n').filter(l => l.startsWith('Secret shop/prom-token'));
    expect(secretLines).toEqual([
      'Secret shop/prom-token (stdin#1): not written (a Secret: migrate never outputs secret values)',
    ]);
    expect(r.err).toMatch(/, 1 Secret\(s\) not written\n$/);
    expect(r.out).not.toMatch(/^kind: Secret$/m);
  });
});
