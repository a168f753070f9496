// The documentation (README.md and docs/*.md): its configuration and trigger examples parse with
// the scaler's own code, and its links, file names and constants point at things that exist.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { mergeConfig } from '../../src/config/merge-config';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';
import { REPO_ROOT, docPage, docPages } from '../helpers/doc-pages';
import type { Manifest } from '../helpers/kubernetes-schemas';
import { validateManifests } from '../helpers/kubernetes-schemas';

const pages = docPages();

/** The first ```yaml block of `page` after a heading or sentence that contains `marker`. */
function yamlAfter(page: string, marker: string): unknown {
  const text = docPage(page);
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  if (block === null) throw new Error(`${page}: no yaml block after "${marker}"`);
  return parseYaml(block[1] ?? '');
}

test('the pages covered include the README and every page of docs/', () => {
  expect(pages[0]?.path).toBe('README.md');
  expect(pages.map(p => p.path)).toEqual(
    expect.arrayContaining(['docs/getting-started.md', 'docs/configuration.md', 'docs/cli.md']),
  );
});

test('the configuration file example is a valid configuration, with every documented value', () => {
  const config = validateConfig(yamlAfter('docs/configuration.md', '# Configuration file'));
  expect(config.sources[0]?.name).toBe('prod');
  expect(config.cache.ttlMs).toBe(15_000);
  expect(config.breaker.closeAfterSuccesses).toBe(3);
});

test("the README's complete ScaledObject is valid for KEDA's CRD and uses deploy/'s scaler", () => {
  const doc = yamlAfter('README.md', '## A complete ScaledObject') as Manifest & {
    spec: { triggers: { type: string; metadata: Record<string, string> }[] };
  };
  expect(validateManifests([doc])).toEqual([]);
  const trigger = doc.spec.triggers[0];
  expect(trigger?.type).toBe('external');
  const metadata = trigger?.metadata ?? {};
  expect(parseTrigger(metadata).threshold).toBe(100);
  // The source it names is one deploy/base configures (config.yaml merged with source.yaml, as the
  // Deployment's SCALER_CONFIG lists them), at the Service deploy/base creates.
  const deployFile = (name: string): unknown =>
    parseYaml(readFileSync(join(REPO_ROOT, 'deploy/base', name), 'utf8'));
  const config = validateConfig(mergeConfig(deployFile('config.yaml'), deployFile('source.yaml')));
  expect(config.sources.map(source => source.name)).toContain(metadata['source']);
  expect(metadata['scalerAddress']).toBe('keda-prometheus-scaler.keda.svc.cluster.local:6000');
});

test("no page asks for a Node.js other than .nvmrc's major, the one the image and the tests run on", () => {
  const major = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim().split('.')[0];
  const requirement =
    /Node(?:\.js)?\s*(?:≥|>=|version)\s*v?(\d+)|Node(?:\.js)?\s+v?(\d+)(?:\.\d+)*\+?\s+or\s+(?:later|newer|above)/gi;
  const claims = pages.flatMap(page =>
    [...page.text.matchAll(requirement)]
      .filter(m => (m[1] ?? m[2]) !== major)
      .map(m => `${page.path}: ${m[0]}`),
  );
  expect(claims).toEqual([]);
});

test('the trigger example of Getting started parses as trigger metadata', () => {
  const doc = yamlAfter('docs/getting-started.md', 'A trigger that uses it') as {
    triggers: { metadata: Record<string, string> }[];
  };
  expect(parseTrigger(doc.triggers[0]?.metadata ?? {}).threshold).toBe(100);
});

test("Getting started's trigger names the source deploy/ and the Helm chart configure by default", () => {
  const doc = yamlAfter('docs/getting-started.md', 'A trigger that uses it') as {
    triggers: { metadata: Record<string, string> }[];
  };
  const named = doc.triggers[0]?.metadata['source'];
  const yamlFile = (path: string): unknown =>
    parseYaml(readFileSync(join(REPO_ROOT, path), 'utf8'));
  const deployed = validateConfig(
    mergeConfig(yamlFile('deploy/base/config.yaml'), yamlFile('deploy/base/source.yaml')),
  );
  const chartValues = yamlFile('charts/keda-prometheus-scaler/values.yaml') as {
    config: { sources: { name: string }[] };
  };
  expect([
    deployed.sources.map(source => source.name),
    chartValues.config.sources.map(source => source.name),
  ]).toEqual([[named], [named]]);
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings, code fences skipped. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('```')) fenced = !fenced;
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!fenced && heading !== null) anchors.add(anchorOf(heading[1] ?? ''));
  }
  return anchors;
}

test('every relative link of every page points at a file that exists, and at a heading there', () => {
  const broken: string[] = [];
  let count = 0;
  for (const page of pages) {
    for (const m of page.text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (/^(https?|mailto):/.test(target)) continue;
      count++;
      const [file = '', anchor] = target.split('#');
      const path = file === '' ? page.path : normalize(join(dirname(page.path), file));
      if (!existsSync(join(REPO_ROOT, path))) {
        broken.push(`${page.path}: ${target} (no file ${path})`);
        continue;
      }
      if (
        anchor !== undefined &&
        !anchorsOf(readFileSync(join(REPO_ROOT, path), 'utf8')).has(anchor)
      )
        broken.push(`${page.path}: ${target} (no heading #${anchor} in ${path})`);
    }
  }
  expect(count).toBeGreaterThan(40);
  expect(broken).toEqual([]);
});

test('the link check sees a link to a missing heading', () => {
  expect(anchorsOf('# A\n```sh\n# B\n```\n## C d').has('c-d')).toBe(true);
  expect(anchorsOf('# A\n```sh\n# B\n```\n').has('b')).toBe(false);
});

test('every repository file a page names exists', () => {
  // Paths in code spans or blocks, from the repository root: examples/x.yaml, deploy/..., src/...
  const missing: string[] = [];
  for (const page of pages) {
    const named = new Set(
      [
        ...page.text.matchAll(
          /(?<![\w./-])((?:examples|deploy|scripts|bench|src|docs|test)\/[\w./-]+)/g,
        ),
      ]
        .map(m => (m[1] ?? '').replace(/[.,:]+$/, ''))
        // Files the user creates (git-ignored), and globs.
        .filter(p => !p.endsWith('alertmanager-webhook-token') && !p.includes('*')),
    );
    missing.push(
      ...[...named].filter(p => !existsSync(join(REPO_ROOT, p))).map(p => `${page.path}: ${p}`),
    );
  }
  expect(missing).toEqual([]);
});

test('every constant a page places in a file is defined there', () => {
  const placed = pages.flatMap(page => [
    ...page.text.matchAll(/constant `([A-Z][A-Z0-9_]+)`,\s+`((?:src|bench)\/[\w./-]+\.ts)`/g),
  ]);
  expect(placed.length).toBeGreaterThan(5);
  const missing = placed
    .map(m => [m[1] ?? '', m[2] ?? ''] as const)
    .filter(
      ([name, file]) =>
        !new RegExp(`\\bconst ${name}\\b`).test(readFileSync(join(REPO_ROOT, file), 'utf8')),
    )
    .map(([name, file]) => `${name} in ${file}`);
  expect(missing).toEqual([]);
});

// Was: the simulate examples wrote chart.svg, two-triggers.svg and variants.svg into the
// checkout's root, where nothing ignores them.
test('documented commands write their charts outside the checkout', () => {
  // Real paths only, not the placeholder of `--svg FILE`.
  const targets = pages.flatMap(p =>
    [...p.text.matchAll(/--svg\s+([^\s`]+)/g)].map(m => m[1]).filter(t => t !== 'FILE'),
  );
  expect(targets).not.toHaveLength(0);
  for (const target of targets) expect(target).toMatch(/^\/tmp\//);
});

// Was: examples/config.yaml port-forwarded prometheus-operated while
// examples/scaledobject.yaml points at prometheus-server.
test('examples/config.yaml port-forwards the Service examples/scaledobject.yaml points at', () => {
  const config = readFileSync(join(REPO_ROOT, 'examples/config.yaml'), 'utf8');
  const so = readFileSync(join(REPO_ROOT, 'examples/scaledobject.yaml'), 'utf8');
  const address = /serverAddress:\s*(\S+)/.exec(so)?.[1] ?? '';
  const { hostname, port } = new URL(address);
  const [service, namespace] = hostname.split('.');
  expect(config).toContain(
    `kubectl -n ${namespace} port-forward svc/${service} 9090:${port || '80'}`,
  );
});
