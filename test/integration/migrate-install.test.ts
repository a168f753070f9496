// docs/migrate.md "Mounting the sources' Secrets": the kustomize overlay and the Helm values it
// shows, rendered for real (kubectl kustomize, helm template) around what `migrate` wrote for the
// side-by-side example, mount the Secret the report names where the source reads its token.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { mergeConfig } from '../../src/config/merge-config';
import type { MigrateReport } from '../../src/migrate/report';
import { cleanHelmHome, helm } from '../helpers/helm';
import type { Manifest } from '../helpers/kubernetes-schemas';
import { docsOf, kustomize } from '../helpers/kustomize';
import { runMigrateCaptured } from '../helpers/migrate-run';

const ROOT = join(__dirname, '../..');
const PAGE = readFileSync(join(ROOT, 'docs/migrate.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'kps-migrate-install-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanHelmHome();
});

/** The fenced block of the section that starts with `first`. */
function block(first: string): string {
  const section = PAGE.slice(PAGE.indexOf("### Mounting the sources' Secrets"));
  const at = section.indexOf(first);
  expect(at).toBeGreaterThan(0);
  return section.slice(at, section.indexOf('```', at));
}

interface Pod {
  containers: {
    name: string;
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string }[];
    args?: string[];
  }[];
  volumes: { name: string; secret?: { secretName: string } }[];
}
const podOf = (docs: Manifest[]): Pod =>
  (docs.find(d => d.kind === 'Deployment') as unknown as { spec: { template: { spec: Pod } } }).spec
    .template.spec;
/** The Secret mounted at `path` in the scaler container. */
function secretAt(pod: Pod, path: string): string | undefined {
  const mount = pod.containers[0]!.volumeMounts!.find(m => m.mountPath === path);
  return pod.volumes.find(v => v.name === mount?.name)?.secret?.secretName;
}

let report: MigrateReport;
let sourcesFile: string;
beforeAll(async () => {
  sourcesFile = join(work, 'sources.yaml');
  const r = await runMigrateCaptured([
    join(ROOT, 'test/fixtures/migrate/side-by-side.yaml'),
    '--config',
    join(ROOT, 'deploy/base/source.yaml'),
    '--config-out',
    sourcesFile,
    '--output',
    'json',
  ]);
  expect(r.code).toBe(0);
  report = JSON.parse(r.err) as MigrateReport;
  expect(report.secrets).toHaveLength(1);
});

test('the kustomize overlay mounts the Secret where the --config-out source reads its token', () => {
  const overlay = join(work, 'overlay');
  mkdirSync(overlay);
  writeFileSync(join(overlay, 'sources.yaml'), readFileSync(sourcesFile));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    block('# overlay/kustomization.yaml').replace(
      '../deploy/base',
      relative(overlay, join(ROOT, 'deploy/base')),
    ),
  );
  const docs = kustomize(overlay);
  const pod = podOf(docs);
  const [secret] = report.secrets;
  expect(secretAt(pod, secret!.mountPath)).toBe(secret!.name);
  // The configuration the pod loads: SCALER_CONFIG's files from the ConfigMap, merged in order.
  const data = (
    docs.find(d => d.kind === 'ConfigMap') as unknown as { data: Record<string, string> }
  ).data;
  const files = pod.containers[0]!.env!.find(e => e.name === 'SCALER_CONFIG')!.value!.split(':');
  const merged = files
    .map(f => parse(data[f.split('/').pop()!]!) as unknown)
    .reduce((a, b) => mergeConfig(a, b));
  const sources = validateConfig(merged).sources;
  expect(sources.map(s => s.name)).toEqual(['prometheus', secret!.source]);
  expect(sources[1]?.bearerTokenFile).toBe(`${secret!.mountPath}/bearerToken`);
});

test('the Helm values mount the same Secret where the chart writes the source reads it', () => {
  const values = join(work, 'values.yaml');
  writeFileSync(values, block('config:\n  sources:'));
  const result = helm([
    'template',
    'x',
    join(ROOT, 'charts/keda-prometheus-scaler'),
    '--values',
    values,
  ]);
  expect(result.status).toBe(0);
  const docs = docsOf(result.stdout.slice(result.stdout.indexOf('---')));
  const [secret] = report.secrets;
  const configMap = docs.find(
    d =>
      d.kind === 'ConfigMap' && (d['data'] as Record<string, string>)['config.yaml'] !== undefined,
  ) as unknown as { data: Record<string, string> };
  const source = validateConfig(parse(configMap.data['config.yaml']!)).sources.find(
    s => s.name === secret!.source,
  );
  const tokenFile = `/etc/keda-prometheus-scaler/secrets/${secret!.name}/bearerToken`;
  expect(source?.bearerTokenFile).toBe(tokenFile);
  expect(secretAt(podOf(docs), `/etc/keda-prometheus-scaler/secrets/${secret!.name}`)).toBe(
    secret!.name,
  );
  // The rest of the source is what migrate wrote.
  const written = (
    parse(readFileSync(sourcesFile, 'utf8')) as { sources: Record<string, unknown>[] }
  ).sources[0]!;
  expect({ name: source?.name, url: source?.url, namespaces: source?.namespaces }).toEqual({
    name: written['name'],
    url: written['url'],
    namespaces: written['namespaces'],
  });
});
