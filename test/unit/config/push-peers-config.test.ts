// push.peers and push.peerTimeout: the two forms, their parsed shape, and a clear problem otherwise.
import { ConfigError, validateConfig as validate } from '../../../src/config/load-config';

const validateConfig = (raw: Record<string, unknown>) =>
  validate({ sources: [{ name: 'main', url: 'http://prometheus:9090' }], ...raw });

function problems(peers: unknown): string[] {
  try {
    validateConfig({ push: { peers } });
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('unset by default, with a 500 ms timeout per forward', () => {
  const { push } = validateConfig({});
  expect(push.peers).toBeUndefined();
  expect(push.peerTimeoutMs).toBe(500);
  expect(validateConfig({ push: { peerTimeout: '2s' } }).push.peerTimeoutMs).toBe(2000);
});

test('dns:///name:port names every address of one DNS name', () => {
  expect(
    validateConfig({ push: { peers: 'dns:///keda-prometheus-scaler.keda.svc:8080' } }).push.peers,
  ).toEqual({ kind: 'dns', host: 'keda-prometheus-scaler.keda.svc', port: 8080 });
});

test('static:/// lists host:port pairs, IPv6 in brackets', () => {
  expect(
    validateConfig({ push: { peers: 'static:///127.0.0.1:1234, [::1]:5678,peer-b:80' } }).push
      .peers,
  ).toEqual({
    kind: 'static',
    addresses: [
      { host: '127.0.0.1', port: 1234 },
      { host: '::1', port: 5678 },
      { host: 'peer-b', port: 80 },
    ],
  });
});

test.each([
  ['no scheme', 'keda-prometheus-scaler.keda.svc:8080'],
  ['an http URL', 'http://keda-prometheus-scaler:8080'],
  ['no port', 'dns:///keda-prometheus-scaler.keda.svc'],
  ['port 0', 'dns:///scaler:0'],
  ['a port above 65535', 'static:///127.0.0.1:70000'],
  ['an empty list entry', 'static:///127.0.0.1:1234,'],
  ['a number', 8080],
])('%s is refused, naming the key, the value and the forms', (_name, value) => {
  expect(problems(value)).toEqual([
    `push.peers: must be dns:///<name>:<port> or static:///<host>:<port>[,<host>:<port>...] (e.g. dns:///keda-prometheus-scaler.keda.svc:8080), got ${JSON.stringify(value)}`,
  ]);
});
