// Which source a trigger may use: names, configured URLs, the allowlist, and nothing else.
import { validateConfig } from '../../../src/config/load-config';
import { isScalerError } from '../../../src/errors';
import type { SourceSelector } from '../../../src/metadata/parse-trigger';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import { SourceRegistry } from '../../../src/sources/source-registry';
import { compileAddressPattern } from '../../../src/util/url-rules';

const registry = (sources: { name: string; url: string }[], allowed: string[] = []) =>
  new SourceRegistry(validateConfig({ sources, allowedServerAddresses: allowed }));

const two = registry(
  [
    { name: 'prod', url: 'http://prom.monitoring:9090/' },
    { name: 'thanos', url: 'https://thanos.monitoring:10902/prefix' },
  ],
  ['http://*.team-a.svc:9090', 'https://vm.example/select/*/prometheus'],
);

afterAll(() => two.close());

function failure(r: SourceRegistry, selector: SourceSelector): [string, string] {
  try {
    r.resolve(selector);
  } catch (e) {
    if (isScalerError(e)) return [e.kind, e.message];
    throw e;
  }
  throw new Error('expected a failure');
}

test.each<[string, SourceSelector, string]>([
  ['by name', { kind: 'named', name: 'thanos' }, 'thanos'],
  [
    'by the configured URL, trailing slash ignored',
    { kind: 'address', serverAddress: 'http://prom.monitoring:9090' },
    'prod',
  ],
  [
    'by name and its own URL',
    { kind: 'named', name: 'prod', serverAddress: 'http://prom.monitoring:9090/' },
    'prod',
  ],
  [
    'an allowed address gets a source named after its pattern',
    { kind: 'address', serverAddress: 'http://prom.team-a.svc:9090' },
    'http://*.team-a.svc:9090',
  ],
  [
    'an allowed address with a path',
    { kind: 'address', serverAddress: 'https://vm.example/select/0/prometheus' },
    'https://vm.example/select/*/prometheus',
  ],
])('resolves %s', (_name, selector, expected) => {
  expect(two.resolve(selector).name).toBe(expected);
});

test('with exactly one source, a trigger that names none uses it', () => {
  const one = registry([{ name: 'only', url: 'http://p:9090' }]);
  expect(one.resolve({ kind: 'implicit' }).name).toBe('only');
});

test.each<[string, SourceSelector, string, RegExp]>([
  [
    'an unknown name',
    { kind: 'named', name: 'prdo' },
    'invalid_metadata',
    /unknown source "prdo" \(did you mean "prod"\?\); configured sources: prod, thanos/,
  ],
  [
    'a name with another URL',
    { kind: 'named', name: 'prod', serverAddress: 'http://other:9090' },
    'invalid_metadata',
    /does not match the URL of source "prod"/,
  ],
  [
    'no name with two sources',
    { kind: 'implicit' },
    'invalid_metadata',
    /source: is required because the scaler has 2 sources \(prod, thanos\)/,
  ],
  [
    'an address outside the allowlist',
    { kind: 'address', serverAddress: 'http://169.254.169.254/latest/meta-data' },
    'permission_denied',
    /allowedServerAddresses/,
  ],
  [
    'a wildcard does not cross a slash',
    { kind: 'address', serverAddress: 'http://evil.example/x.team-a.svc:9090' },
    'permission_denied',
    /not the URL of a configured source/,
  ],
  [
    'a wildcard pattern does not match another port',
    { kind: 'address', serverAddress: 'http://prom.team-a.svc:9091' },
    'permission_denied',
    /allowedServerAddresses/,
  ],
])('refuses %s', (_name, selector, kind, message) => {
  const [k, m] = failure(two, selector);
  expect(k).toBe(kind);
  expect(m).toMatch(message);
});

const VM_HOST = 'https://vm.example';
const VM = `${VM_HOST}/select/*/prometheus`;

test.each([
  ['http://*.svc:9090', 'http://a.svc:9090', true],
  ['http://*.svc:9090', 'http://a/b.svc:9090', false],
  ['http://prom:9090', 'http://prom:9090', true],
  ['http://prom:9090', 'http://prom:90900', false],
  ['http://a.b:1', 'http://aXb:1', false],
  // A path wildcard matches one decoded segment: never an encoded slash or a dot segment.
  [VM, `${VM_HOST}/select/0/prometheus`, true],
  [VM, `${VM_HOST}/select/..%2F..%2Fx/prometheus`, false],
  [VM, `${VM_HOST}/select/%2E%2E/prometheus`, false],
  [VM, `${VM_HOST}/select/a%2fb/prometheus`, false],
  [VM, `${VM_HOST}/select/../select/0/prometheus`, false],
  // Paths are case-sensitive (RFC 3986 6.2.2.1); scheme and host are not.
  [VM, `${VM_HOST}/SELECT/0/prometheus`, false],
  [VM, 'HTTPS://VM.Example/select/0/prometheus', true],
  // A host wildcard matches exactly one DNS label.
  ['http://10.0.0.*:9090', 'http://10.0.0.1:9090', true],
  ['http://10.0.0.*:9090', 'http://10.0.0.1.nip.io:9090', false],
  ['http://*.svc:9090', 'http://a.b.svc:9090', false],
  ['http://prom-*.svc:9090', 'http://prom-a.svc:9090', true],
  ['http://prom-*.svc:9090', 'http://prom-a.x.svc:9090', false],
  // Default ports are the same address written two ways.
  ['http://prom:80', 'http://prom', true],
  ['http://prom:*', 'http://prom:9090', true],
  // Several `*` in one part: each any run, possibly empty; a lone `*` is one non-empty part.
  ['http://prom-*.svc:9090', 'http://prom-.svc:9090', true],
  ['http://h:1/t/*-*-prod', 'http://h:1/t/a-b-prod', true],
  ['http://h:1/t/*-*-prod', 'http://h:1/t/--prod', true],
  ['http://h:1/t/*-*-prod', 'http://h:1/t/a-prod', false],
  ['http://h:1/t/*-*-prod', 'http://h:1/t/a-b-prodx', false],
  ['http://p*x*y.svc:1', 'http://pxxyy.svc:1', true],
  ['http://p*x*y.svc:1', 'http://pyx.svc:1', false],
  ['http://h:1/*/x', 'http://h:1//x', false],
])('pattern %s matches %s: %s', (pattern, url, expected) => {
  expect(compileAddressPattern(pattern).test(url)).toBe(expected);
});

test('a serverAddress shared by several sources is refused, naming them', () => {
  const shared = registry([
    { name: 'tenant-a', url: 'http://mimir:8080/prometheus' },
    { name: 'tenant-b', url: 'http://mimir:8080/prometheus/' },
  ]);
  const [kind, message] = failure(shared, {
    kind: 'address',
    serverAddress: 'http://mimir:8080/prometheus',
  });
  expect(kind).toBe('invalid_metadata');
  expect(message).toMatch(/is the URL of several sources \(tenant-a, tenant-b\)/);
  // By name each stays its own source, with its own identity.
  const a = shared.resolve({ kind: 'named', name: 'tenant-a' });
  const b = shared.resolve({ kind: 'named', name: 'tenant-b' });
  expect(a.id).not.toBe(b.id);
});

test('two addresses admitted by one pattern share its name but not their identity', () => {
  const x = two.resolve({ kind: 'address', serverAddress: 'http://x.team-a.svc:9090' });
  const y = two.resolve({ kind: 'address', serverAddress: 'http://y.team-a.svc:9090' });
  expect(x.name).toBe(y.name);
  expect(x.id).not.toBe(y.id);
});

test.each([
  'https://vm.example/select/..%2F..%2Fx/prometheus',
  'https://vm.example/select/%2e%2e/prometheus',
  'https://vm.example/select/../prometheus',
  'https://vm.example/select/a%5Cb',
])(
  'a serverAddress with a dot segment or encoded slash is refused at parse time: %s',
  serverAddress => {
    expect(() => parseTrigger({ query: 'up', threshold: '1', serverAddress })).toThrow(
      /serverAddress: a path segment may not be "\." or "\.\."/,
    );
  },
);
