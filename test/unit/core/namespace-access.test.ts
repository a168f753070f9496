// Sources and allowlist entries scoped to namespaces: checked on every call, after the memo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../../src/config/load-config';
import { TriggerResolver } from '../../../src/core/resolve-trigger';
import { isScalerError } from '../../../src/errors';
import { DEFAULT_TRIGGER_LIMITS } from '../../../src/metadata/parse-trigger';
import { SourceRegistry } from '../../../src/sources/source-registry';

const registry = new SourceRegistry(
  validateConfig({
    sources: [
      { name: 'team-a-prom', url: 'http://a:9090', namespaces: ['team-a', 'team-a-*'] },
      { name: 'shared', url: 'http://shared:9090' },
    ],
    allowedServerAddresses: [
      { pattern: 'http://*.team-c.svc:9090', namespaces: ['team-c'] },
      'http://*.open.svc:9090',
    ],
  }),
);
const resolver = new TriggerResolver(registry, DEFAULT_TRIGGER_LIMITS);
afterAll(() => registry.close());

const meta = (extra: Record<string, string>) => ({ query: 'up', threshold: '1', ...extra });

function refusal(metadata: Record<string, string>, namespace: string): [string, string] {
  try {
    resolver.resolve(metadata, namespace);
  } catch (e) {
    if (isScalerError(e)) return [e.kind, e.message];
    throw e;
  }
  throw new Error('expected a refusal');
}

test.each([
  ['an exact name', 'team-a'],
  ['a glob', 'team-a-dev'],
])('a restricted source answers %s', (_name, namespace) => {
  expect(resolver.resolve(meta({ source: 'team-a-prom' }), namespace).source.name).toBe(
    'team-a-prom',
  );
});

test('another namespace is refused on every call, even after the metadata was memoised', () => {
  const metadata = meta({ source: 'team-a-prom' });
  resolver.resolve(metadata, 'team-a');
  const [kind, message] = refusal(metadata, 'team-b');
  expect(kind).toBe('permission_denied');
  expect(message).toBe(
    'namespace "team-b" may not use source "team-a-prom" (its namespaces): allowed namespaces ' +
      'are team-a, team-a-*',
  );
  // A glob stays inside its pattern: team-ab is not team-a-*.
  expect(refusal(metadata, 'team-ab')[0]).toBe('permission_denied');
});

test('reaching the source through its URL is refused the same way', () => {
  expect(refusal(meta({ serverAddress: 'http://a:9090' }), 'team-b')[0]).toBe('permission_denied');
});

test('a source without namespaces serves every namespace (the default)', () => {
  expect(resolver.resolve(meta({ source: 'shared' }), 'anything').source.name).toBe('shared');
});

test('an allowlist entry with namespaces admits its URLs only for them', () => {
  const metadata = meta({ serverAddress: 'http://p.team-c.svc:9090' });
  expect(resolver.resolve(metadata, 'team-c').source.name).toBe('http://*.team-c.svc:9090');
  const [kind, message] = refusal(metadata, 'team-d');
  expect(kind).toBe('permission_denied');
  expect(message).toMatch(
    /may not use serverAddress "http:\/\/p\.team-c\.svc:9090" \(allowedServerAddresses "http:\/\/\*\.team-c\.svc:9090"\): allowed namespaces are team-c$/,
  );
  expect(
    resolver.resolve(meta({ serverAddress: 'http://p.open.svc:9090' }), 'team-d').source.name,
  ).toBe('http://*.open.svc:9090');
});

test('a long allowed list is cut short in the message', () => {
  const many = new SourceRegistry(
    validateConfig({
      sources: [{ name: 'x', url: 'http://x', namespaces: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }],
    }),
  );
  const r = new TriggerResolver(many, DEFAULT_TRIGGER_LIMITS);
  expect(() => r.resolve(meta({}), 'z')).toThrow(
    /allowed namespaces are a, b, c, d, e, … \(2 more\)$/,
  );
  void many.close();
});

test.each([
  [{ namespaces: [] }, 'sources[0].namespaces: must be a non-empty list'],
  [{ namespaces: ['Team_A'] }, 'sources[0].namespaces[0]: must be a namespace name'],
])('config refuses %j', (extra, problem) => {
  expect(() => validateConfig({ sources: [{ name: 'x', url: 'http://x', ...extra }] })).toThrow(
    problem,
  );
});

test('config refuses an allowlist entry without a pattern or with a bad namespace', () => {
  expect(() =>
    validateConfig({
      sources: [{ name: 'x', url: 'http://x' }],
      allowedServerAddresses: [{ namespaces: ['a'] }, { pattern: 'http://y', namespaces: ['*X'] }],
    }),
  ).toThrow(
    /allowedServerAddresses\[0\]\.pattern: is required[\s\S]*allowedServerAddresses\[1\]\.namespaces\[0\]/,
  );
});

test('the multi-tenant example of docs/multi-tenancy.md is a valid configuration with per-team namespaces', () => {
  const readme = readFileSync(join(__dirname, '../../../docs/multi-tenancy.md'), 'utf8');
  const at = readme.indexOf('## Multi-tenant example');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  const example = new SourceRegistry(validateConfig(parseYaml(block)));
  const r = new TriggerResolver(example, DEFAULT_TRIGGER_LIMITS);
  expect(r.resolve(meta({ source: 'mimir-team-a' }), 'team-a-dev').source.name).toBe(
    'mimir-team-a',
  );
  expect(() => r.resolve(meta({ source: 'mimir-team-a' }), 'team-b')).toThrow(/team-a, team-a-\*/);
  expect(r.resolve(meta({ source: 'shared' }), 'anyone').source.name).toBe('shared');
  void example.close();
});
