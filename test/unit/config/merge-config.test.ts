// Configuration files laid over one another: mappings by key, sources by name, the rest replaced;
// loadConfig reads a ':'-separated list of files that way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MAX_CONFIG_FILES, loadConfig } from '../../../src/config/load-config';
import { mergeConfig } from '../../../src/config/merge-config';

test('mappings merge key by key; scalars and plain lists are replaced', () => {
  expect(
    mergeConfig(
      { logLevel: 'info', push: { peers: 'dns:///a:8080', maxStreams: 5 }, noProxy: ['a'] },
      { push: { maxStreams: 9 }, noProxy: ['b'], tls: { certFile: 'c' } },
    ),
  ).toEqual({
    logLevel: 'info',
    push: { peers: 'dns:///a:8080', maxStreams: 9 },
    noProxy: ['b'],
    tls: { certFile: 'c' },
  });
});

test('sources merge by name: a URL changed, headers kept, a new source appended', () => {
  const base = {
    sources: [
      { name: 'prometheus', url: 'http://a:9090', headers: { 'X-Scope-OrgID': 't' } },
      { name: 'thanos', url: 'http://t:10902' },
    ],
  };
  expect(
    mergeConfig(base, {
      sources: [
        { name: 'prometheus', url: 'http://prometheus-server.monitoring.svc:80' },
        { name: 'mimir', url: 'http://m:8080' },
      ],
    }),
  ).toEqual({
    sources: [
      {
        name: 'prometheus',
        url: 'http://prometheus-server.monitoring.svc:80',
        headers: { 'X-Scope-OrgID': 't' },
      },
      { name: 'thanos', url: 'http://t:10902' },
      { name: 'mimir', url: 'http://m:8080' },
    ],
  });
});

describe('loadConfig with several files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: unknown): string => {
    writeFileSync(join(dir, name), JSON.stringify(doc));
    return join(dir, name);
  };

  test("files separated by ':' are merged in order, the later one winning", () => {
    const base = write('config.yaml', {
      logLevel: 'info',
      sources: [{ name: 'prometheus', url: 'http://prometheus-operated.monitoring.svc:9090' }],
    });
    const source = write('source.yaml', {
      sources: [{ name: 'prometheus', url: 'http://prometheus-server.monitoring.svc:80' }],
    });
    const level = write('level.yaml', { logLevel: 'debug' });
    const config = loadConfig({ configFile: [base, source, level].join(':') });
    expect(config.logLevel).toBe('debug');
    expect(config.sources.map(s => [s.name, s.url])).toEqual([
      ['prometheus', 'http://prometheus-server.monitoring.svc'], // :80 normalised away
    ]);
  });

  test('a file that is not a mapping, a missing file and too many files are named', () => {
    const list = write('list.yaml', ['a']);
    expect(() => loadConfig({ configFile: list })).toThrow(/list\.yaml": must be a YAML mapping/);
    expect(() => loadConfig({ configFile: `${list}:${join(dir, 'none.yaml')}` })).toThrow(
      ConfigError,
    );
    const many = Array.from({ length: MAX_CONFIG_FILES + 1 }, () => list).join(':');
    expect(() => loadConfig({ configFile: many })).toThrow(
      `config files: at most ${MAX_CONFIG_FILES} separated by ":", got ${MAX_CONFIG_FILES + 1}`,
    );
  });
});
