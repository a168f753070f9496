// Server configuration: defaults, every validation rule, all problems at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/load-config';
import { DEFAULTS } from '../../../src/config/schema';

function problems(raw: unknown, overrides = {}): string[] {
  try {
    validateConfig(raw, overrides);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('defaults, and --prometheus-url defines the source "prometheus"', () => {
  const config = validateConfig({}, { prometheusUrl: 'http://prom:9090/' });
  expect(config).toMatchObject({
    grpcAddress: DEFAULTS.grpcAddress,
    httpAddress: DEFAULTS.httpAddress,
    logLevel: 'info',
    allowedServerAddresses: [],
    maxResponseBytes: DEFAULTS.maxResponseBytes,
    maxTimeoutMs: DEFAULTS.maxTimeoutMs,
  });
  expect(config.sources).toEqual([
    expect.objectContaining({
      name: 'prometheus',
      url: 'http://prom:9090',
      timeoutMs: 3000,
      maxConcurrentQueries: 8,
    }),
  ]);
});

test('a full source is read into typed fields', () => {
  const config = validateConfig({
    grpcAddress: '127.0.0.1:7000',
    sources: [
      {
        name: 'mimir',
        url: 'https://mimir.example/prometheus',
        headers: { 'X-Scope-OrgID': 'team-a' },
        bearerTokenFile: '/var/run/token',
        tls: {
          caFile: '/ca.pem',
          certFile: '/c.pem',
          keyFile: '/k.pem',
          insecureSkipVerify: false,
        },
        timeout: '2s',
        maxConcurrentQueries: 4,
      },
    ],
    allowedServerAddresses: ['http://*.svc:9090/'],
    maxTimeout: '10s',
  });
  expect(config.sources[0]).toEqual({
    name: 'mimir',
    url: 'https://mimir.example/prometheus',
    headers: { 'X-Scope-OrgID': 'team-a' },
    headerFiles: {},
    bearerTokenFile: '/var/run/token',
    basicAuth: undefined,
    tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', insecureSkipVerify: false },
    timeoutMs: 2000,
    maxConcurrentQueries: 4,
    auth: undefined,
    proxyUrl: undefined,
    noProxy: [],
  });
  expect(config.allowedServerAddresses).toEqual([
    { pattern: 'http://*.svc:9090', namespaces: undefined },
  ]);
  expect(config.maxTimeoutMs).toBe(10_000);
});

test.each([
  ['no source at all', {}, 'sources: at least one source is required'],
  ['unknown top-level key', { sourcs: [] }, 'sourcs: unknown key (did you mean "sources"?)'],
  [
    'unknown source key',
    { sources: [{ name: 'a', url: 'http://a', tiemout: '1s' }] },
    'sources[0].tiemout: unknown key (did you mean "timeout"?)',
  ],
  [
    'credentials in a URL',
    { sources: [{ name: 'a', url: 'http://u:p@a' }] },
    'sources[0].url: must not carry credentials',
  ],
  [
    'duplicate names',
    {
      sources: [
        { name: 'a', url: 'http://a' },
        { name: 'a', url: 'http://b' },
      ],
    },
    'sources: name "a" is defined more than once',
  ],
  [
    'basic auth needs a password file',
    { sources: [{ name: 'a', url: 'http://a', basicAuth: { username: 'u' } }] },
    'sources[0].basicAuth: needs both username and passwordFile',
  ],
  [
    'cert without key',
    { sources: [{ name: 'a', url: 'http://a', tls: { certFile: '/c' } }] },
    'sources[0].tls: certFile and keyFile must be set together',
  ],
  [
    'insecureSkipVerify must be a boolean',
    { sources: [{ name: 'a', url: 'http://a', tls: { insecureSkipVerify: 'yes' } }] },
    'sources[0].tls.insecureSkipVerify: must be true or false',
  ],
  [
    'bad maxConcurrentQueries',
    { sources: [{ name: 'a', url: 'http://a', maxConcurrentQueries: 0 }] },
    'sources[0].maxConcurrentQueries: must be a whole number > 0, got 0',
  ],
  [
    'bad grpcAddress',
    { grpcAddress: '6000', sources: [{ name: 'a', url: 'http://a' }] },
    'grpcAddress: must be host:port',
  ],
  [
    'bad logLevel',
    { logLevel: 'loud', sources: [{ name: 'a', url: 'http://a' }] },
    'logLevel: must be one of',
  ],
  [
    'a source header value with a line break',
    { sources: [{ name: 'a', url: 'http://a', headers: { 'X-Scope-OrgID': 'a\nb' } }] },
    'sources[0].headers.X-Scope-OrgID: value must be visible ASCII',
  ],
  [
    'allowlist of non-URLs',
    { allowedServerAddresses: ['*'] },
    'allowedServerAddresses[0]: must be an http(s) URL pattern',
  ],
])('%s', (_name, raw, expected) => {
  expect(problems(raw).join('\n')).toContain(expected);
});

test('cache and breaker sections override the defaults', () => {
  const config = validateConfig({
    sources: [{ name: 'a', url: 'http://a' }],
    cache: { ttl: '30s', maxStaleness: '2m', maxEntries: 5000, negativeTtl: '1s' },
    breaker: { failureThreshold: 5, openDuration: '30s', closeAfterSuccesses: 1 },
  });
  expect(config.cache).toMatchObject({
    ttlMs: 30_000,
    maxStalenessMs: 120_000,
    maxEntries: 5000,
    negativeTtlMs: 1000,
    badQueryTtlMs: DEFAULTS.cache.badQueryTtlMs,
  });
  expect(config.breaker).toEqual({ failureThreshold: 5, openMs: 30_000, closeAfterSuccesses: 1 });
});

test.each([
  ['unknown cache key', { cache: { tll: '1s' } }, 'cache.tll: unknown key (did you mean "ttl"?)'],
  ['ttl above its limit', { cache: { ttl: '10m' } }, 'cache.ttl: must not exceed cache.ttlLimit'],
  ['ttl below 1s', { cache: { ttl: '100ms' } }, 'cache.ttl: must be at least 1s'],
  [
    'maxStaleness above its limit',
    { cache: { maxStaleness: '1h' } },
    'cache.maxStaleness: must not exceed cache.maxStalenessLimit',
  ],
  ['unknown breaker key', { breaker: { openFor: '1s' } }, 'breaker.openFor: unknown key'],
  [
    'breaker threshold 0',
    { breaker: { failureThreshold: 0 } },
    'breaker.failureThreshold: must be a whole number > 0',
  ],
])('%s', (_name, raw, expected) => {
  expect(problems({ sources: [{ name: 'a', url: 'http://a' }], ...raw }).join('\n')).toContain(
    expected,
  );
});

// Was: a source `timeout: 3` was 3 ms and `cache.ttl: 15` was refused as under 1s. A
// duration of ours needs a unit; the one message shows both fixes.
test('a bare-number duration is refused everywhere in the file, with the fix', () => {
  expect(
    problems({
      sources: [{ name: 'a', url: 'http://a', timeout: 3 }],
      cache: { ttl: 15, maxStaleness: '60' },
      shutdown: { grace: 2.5 },
    }),
  ).toEqual([
    'sources[0].timeout: needs a unit: write "3s" for seconds or "3ms" for milliseconds, got 3',
    'cache.ttl: needs a unit: write "15s" for seconds or "15ms" for milliseconds, got 15',
    'cache.maxStaleness: needs a unit: write "60s" for seconds or "60ms" for milliseconds, got "60"',
    'shutdown.grace: needs a unit: write "2.5s" for seconds or "2.5ms" for milliseconds, got 2.5',
  ]);
});

test('--prometheus-url replaces a "prometheus" source of the file (a flag wins over the file)', () => {
  const config = validateConfig(
    {
      sources: [
        { name: 'prometheus', url: 'http://a', headers: { 'X-Scope-OrgID': 't' } },
        { name: 'other', url: 'http://c' },
      ],
    },
    { prometheusUrl: 'http://b' },
  );
  expect(config.sources.map(s => [s.name, s.url, s.headers])).toEqual([
    ['other', 'http://c', {}],
    ['prometheus', 'http://b', {}],
  ]);
});

test('every problem is listed, not only the first', () => {
  expect(
    problems({ grpcAddress: 'x', logLevel: 'y', sources: [{ url: 'ftp://z' }] }).length,
  ).toBeGreaterThanOrEqual(4);
});

test('loadConfig reads YAML and names the file on a syntax error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-config-'));
  try {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'sources:\n  - name: p\n    url: http://p:9090\n');
    expect(loadConfig({ configFile: good }).sources[0]?.name).toBe('p');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sources: [\n');
    expect(() => loadConfig({ configFile: bad })).toThrow(/bad\.yaml/);
    expect(() => loadConfig({ configFile: join(dir, 'none.yaml') })).toThrow(/none\.yaml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty scalar (YAML null) keeps its default; an empty list or mapping is reported', () => {
  const source = { name: 'a', url: 'http://a' };
  expect(validateConfig({ sources: [source], maxTimeout: null }).maxTimeoutMs).toBe(
    DEFAULTS.maxTimeoutMs,
  );
  expect(problems({ sources: [source], allowedServerAddresses: null })).toEqual([
    'allowedServerAddresses: must be a list of URL patterns',
  ]);
  expect(problems({ sources: [{ ...source, headers: null }] })).toEqual([
    'sources[0].headers: must be a mapping',
  ]);
  expect(problems({ sources: [source], cache: null })).toEqual(['cache: must be a mapping']);
});

test('a source that was given but refused is not also reported as missing', () => {
  expect(problems({ sources: [{ name: 'a', url: 'ftp://a' }] })).toEqual([
    'sources[0].url: must be an http:// or https:// URL, got "ftp://a"',
  ]);
  expect(problems({}, { prometheusUrl: 'http://u:p@prom:9090' })).toEqual([
    '--prometheus-url: must not carry credentials (user:password@), which would be written into the configuration; use basicAuth with a passwordFile, or bearerTokenFile',
  ]);
  // With nothing written at all, the missing source is the one problem.
  expect(problems({ sources: [] })).toEqual([
    'sources: at least one source is required (a "sources" list in the config file, or --prometheus-url / SCALER_PROMETHEUS_URL)',
  ]);
});

describe('files the configuration names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-config-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (extra: object): string[] => {
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      JSON.stringify({ sources: [{ name: 'p', url: 'http://prom:9090' }], ...extra }),
    );
    try {
      loadConfig({ configFile: file });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return [...e.problems];
      throw e;
    }
  };

  test('a webhook token not written yet, in a directory that exists (an absent optional Secret), is accepted', () => {
    // What the kubelet mounts for `secret: {optional: true}` when the Secret does not exist.
    expect(load({ push: { alertmanagerTokenFile: join(dir, 'token') } })).toEqual([]);
  });

  test('a webhook token whose directory does not exist is refused (a typo), naming the key', () => {
    expect(load({ push: { alertmanagerTokenFile: join(dir, 'nope/token') } })).toEqual([
      expect.stringMatching(
        /^push\.alertmanagerTokenFile: cannot read ".*nope\/token" \(a file not written yet is fine, but its directory must exist\)$/,
      ),
    ]);
  });

  test('TLS files are required to exist', () => {
    expect(
      load({ tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } }),
    ).toEqual([
      expect.stringMatching(/^tls\.certFile: cannot read/),
      expect.stringMatching(/^tls\.keyFile: cannot read/),
    ]);
  });
});
