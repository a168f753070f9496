// config.schema.json and the reference of docs/configuration.md match the schema in
// src/config/schema.ts; the documentation's and deploy/'s configuration files validate against the JSON Schema with ajv.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig } from '../../../src/config/load-config';
import { DEFAULTS, triggerLimits } from '../../../src/config/schema';
import { DEFAULT_TRIGGER_LIMITS } from '../../../src/metadata/parse-trigger';
import {
  TABLE_END,
  TABLE_PAGE,
  TABLE_START,
  renderReference,
  renderReferenceEntry,
  renderSchemaJson,
  referenceRows,
} from '../../../scripts/config-schema';
import { docPages } from '../../helpers/doc-pages';

const root = join(__dirname, '../../..');
const committedSchema = JSON.parse(
  readFileSync(join(root, 'config.schema.json'), 'utf8'),
) as object;
const tablePage = readFileSync(join(root, TABLE_PAGE), 'utf8');
const docs = docPages()
  .map(p => p.text)
  .join('\n');
const SCHEMA_LINE = '# yaml-language-server: $schema=./config.schema.json';

const validate = new Ajv2020({ allErrors: true }).compile(committedSchema);

/** The documentation's yaml blocks that are configuration files: those that name the schema. */
function docConfigFiles(): unknown[] {
  const blocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => m[1] ?? '');
  return blocks.filter(b => b.startsWith(SCHEMA_LINE)).map(b => parseYaml(b) as unknown);
}

/** The reference entries in `text`: each `- **\`key\`**` item with its wrapped lines joined. */
function entries(text: string): string[] {
  return text
    .split(/\n(?=- \*\*`)/)
    .filter(e => e.startsWith('- **`'))
    .map(e => (e.split('\n\n')[0] ?? '').replace(/\s+/g, ' ').trim());
}

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

test('the committed config.schema.json is what `npm run schema` writes from the schema', () => {
  expect(committedSchema).toEqual(JSON.parse(renderSchemaJson()));
});

test(`${TABLE_PAGE}'s reference is what \`npm run schema\` writes from the schema`, () => {
  const start = tablePage.indexOf(TABLE_START);
  const end = tablePage.indexOf(TABLE_END);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const committed = entries(tablePage.slice(start, end));
  expect(committed).toEqual(entries(renderReference()));
  // Every key of the schema has its entry, in schema order, and nothing else has one.
  expect(committed.map(e => /^- \*\*`([^`]+)`/.exec(e)?.[1])).toEqual(
    referenceRows().map(r => r.key),
  );
});

test('a reference entry names the key, its type and its default or that it is required', () => {
  const row = { key: 'cache.ttl', type: 'duration', default: '`15s`', meaning: 'How long.' };
  expect(renderReferenceEntry(row)).toBe('- **`cache.ttl`** (duration, default `15s`): How long.');
  expect(renderReferenceEntry({ ...row, default: 'required' })).toContain('(duration, required)');
  expect(renderReferenceEntry({ ...row, default: 'none' })).toContain('(duration, optional)');
});

test("the documentation's example configuration validates against config.schema.json and the loader", () => {
  const files = docConfigFiles();
  expect(files.length).toBeGreaterThanOrEqual(1);
  for (const file of files) {
    expect(validate(file) ? [] : validate.errors).toEqual([]);
    expect(problems(file)).toEqual([]);
  }
});

test.each([
  'deploy/base/config.yaml',
  'deploy/base/source.yaml',
  'deploy/components/mtls/tls.yaml',
])('%s names the schema and validates against it', path => {
  const text = readFileSync(join(root, path), 'utf8');
  expect(text).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+config\.schema\.json$/m);
  // Each file alone holds part of a configuration; with a source it is a whole one.
  const file = { sources: [{ name: 'p', url: 'http://p:9090' }], ...(parseYaml(text) as object) };
  expect(validate(file) ? [] : validate.errors).toEqual([]);
});

test('a typo in the documented example: the loader says did-you-mean, the JSON Schema rejects it', () => {
  const [example] = docConfigFiles() as Record<string, Record<string, unknown>>[];
  const cache = { ...example?.['cache'] };
  cache['maxStalness'] = cache['maxStaleness'];
  delete cache['maxStaleness'];
  const typo = { ...example, cache };
  expect(problems(typo)).toEqual(['cache.maxStalness: unknown key (did you mean "maxStaleness"?)']);
  expect(validate(typo)).toBe(false);
  expect(validate.errors).toContainEqual(
    expect.objectContaining({
      instancePath: '/cache',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'maxStalness' },
    }),
  );
});

// The JSON Schema is for editors; the loader decides. Where both can judge, they agree.
test.each([
  [{ maxTimeout: '1m30s' }, true],
  [{ maxTimeout: '45s' }, true],
  [{ maxTimeout: 45000 }, false],
  [{ maxTimeout: '45000' }, false],
  [{ maxTimeout: '5 minutes' }, false],
  [{ maxTimeout: -1 }, false],
  [{ cache: { maxEntries: 0 } }, false],
  [{ cache: { maxEntries: 1.5 } }, false],
  [{ logLevel: 'loud' }, false],
  [{ grpcAddress: '6000' }, false],
  [{ reflection: 'yes' }, false],
  [{ sources: [{ name: 'Prod', url: 'http://p' }] }, false],
  [{ sources: [{ name: 'p', url: 'ftp://p' }] }, false],
  [{ sources: [{ name: 'p' }] }, false],
  [{ tls: { certFile: '/c' } }, false],
  [{ sources: [{ name: 'p', url: 'http://p', basicAuth: { username: 'u' } }] }, false],
])('%j: the JSON Schema and the loader agree (valid: %s)', (doc, valid) => {
  const withSource = { sources: [{ name: 'a', url: 'http://a' }], ...doc };
  expect(validate(withSource)).toBe(valid);
  expect(problems(withSource).length === 0).toBe(valid);
});

test('the trigger caps without a configuration are the schema defaults', () => {
  expect(DEFAULT_TRIGGER_LIMITS).toEqual(triggerLimits(DEFAULTS));
  expect(DEFAULT_TRIGGER_LIMITS).toEqual({
    maxTimeoutMs: DEFAULTS.maxTimeoutMs,
    maxCacheTtlMs: DEFAULTS.cache.ttlLimitMs,
    maxStalenessLimitMs: DEFAULTS.cache.maxStalenessLimitMs,
    minActivationIntervalMs: DEFAULTS.push.minActivationIntervalMs,
    unknownKeys: DEFAULTS.unknownMetadataKeys,
  });
  expect(DEFAULTS.unknownMetadataKeys).toBe('refuse');
  // The defaults are read from the schema's JSON `default`s by the loader's own rules.
  expect(DEFAULTS.cache.ttlMs).toBe(15_000);
  expect(DEFAULTS.maxTimeoutMs).toBe(30_000);
});
