// Proxy selection: a source's proxyUrl and noProxy, and the environment with Go's rules.
import { proxyFor } from '../../../src/prometheus/proxy';

const none = { noProxy: [] };

test('proxyUrl applies to every host its noProxy does not name', () => {
  const s = {
    proxyUrl: 'http://proxy:3128',
    noProxy: ['.corp.example', 'prom:9090', 'exact.host'],
  };
  expect(proxyFor('http://prom.other:9090', s)).toBe('http://proxy:3128');
  expect(proxyFor('http://a.corp.example', s)).toBeUndefined();
  expect(proxyFor('http://corp.example', s)).toBeUndefined();
  expect(proxyFor('http://prom:9090', s)).toBeUndefined();
  expect(proxyFor('http://prom:9091', s)).toBe('http://proxy:3128');
  expect(proxyFor('https://sub.exact.host', s)).toBeUndefined();
  expect(proxyFor('http://127.0.0.1:9090', s)).toBe('http://proxy:3128');
  expect(proxyFor('http://x', { proxyUrl: 'http://p:1', noProxy: ['*'] })).toBeUndefined();
});

test('the environment: HTTPS_PROXY for https, HTTP_PROXY for http, NO_PROXY, never loopback', () => {
  const env = { HTTPS_PROXY: 'secure:3128', http_proxy: 'http://plain:3128', NO_PROXY: 'skip.me' };
  expect(proxyFor('https://prom.example', none, env)).toBe('http://secure:3128');
  expect(proxyFor('http://prom.example', none, env)).toBe('http://plain:3128');
  expect(proxyFor('http://a.skip.me', none, env)).toBeUndefined();
  expect(proxyFor('http://localhost:9090', none, env)).toBeUndefined();
  expect(proxyFor('http://127.0.0.1:9090', none, env)).toBeUndefined();
  expect(proxyFor('http://[::1]:9090', none, env)).toBeUndefined();
  expect(proxyFor('http://prom.example', none, {})).toBeUndefined();
});
