// The README's configuration file and trigger examples parse with the scaler's own code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The first ```yaml block after a heading or sentence that contains `marker`. */
function yamlAfter(marker: string): unknown {
  const at = readme.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  if (block === null) throw new Error(`no yaml block after "${marker}"`);
  return parseYaml(block[1] ?? '');
}

test('the configuration file example is a valid configuration, with every documented value', () => {
  const config = validateConfig(yamlAfter('### Configuration file'));
  expect(config.sources[0]?.name).toBe('prod');
  expect(config.cache.ttlMs).toBe(15_000);
  expect(config.breaker.closeAfterSuccesses).toBe(3);
});

test('the trigger example parses as trigger metadata', () => {
  const doc = yamlAfter('A trigger that uses it') as {
    triggers: { metadata: Record<string, string> }[];
  };
  const metadata = doc.triggers[0]?.metadata ?? {};
  expect(parseTrigger(metadata).threshold).toBe(100);
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

test('every #link in the README points at a heading', () => {
  const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map(m => anchorOf(m[1] ?? '')));
  const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map(m => m[1] ?? '');
  expect(links.length).toBeGreaterThan(20);
  expect(links.filter(l => !anchors.has(l))).toEqual([]);
});

test('every repository file the README names exists', () => {
  const root = join(__dirname, '../..');
  // Paths in links and in code spans or blocks: examples/x.yaml, deploy/..., scripts/..., src/...
  const named = new Set(
    [...readme.matchAll(/(?<![\w./-])((?:examples|deploy|scripts|bench|src|docs|test)\/[\w./-]+)/g)]
      .map(m => (m[1] ?? '').replace(/[.,:]+$/, ''))
      // Files the user creates (git-ignored), and globs.
      .filter(p => !p.endsWith('alertmanager-webhook-token') && !p.includes('*')),
  );
  expect(named.size).toBeGreaterThan(10);
  expect([...named].filter(p => !existsSync(join(root, p)))).toEqual([]);
});

test('every constant the README places in a file is defined there', () => {
  const root = join(__dirname, '../..');
  const placed = [
    ...readme.matchAll(/constant `([A-Z][A-Z0-9_]+)`, `((?:src|bench)\/[\w./-]+\.ts)`/g),
  ];
  expect(placed.length).toBeGreaterThan(5);
  const missing = placed
    .map(m => [m[1] ?? '', m[2] ?? ''] as const)
    .filter(
      ([name, file]) =>
        !new RegExp(`\\bconst ${name}\\b`).test(readFileSync(join(root, file), 'utf8')),
    )
    .map(([name, file]) => `${name} in ${file}`);
  expect(missing).toEqual([]);
});
