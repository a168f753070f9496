// Dry runs answer in-cluster serverAddress/source with the local Prometheus, and say so.
import { localizeTrigger } from '../../../src/cli/local-source';
import { validateConfig } from '../../../src/config/load-config';

const LOCAL = validateConfig({}, { prometheusUrl: 'http://127.0.0.1:9090' });
const URL_ONLY = { prometheusUrlGiven: true, configFileGiven: false };
const CONFIG_ONLY = { prometheusUrlGiven: false, configFileGiven: true };
const BOTH = { prometheusUrlGiven: true, configFileGiven: true };
const TUTORIAL = { query: 'sum(rate(http_requests_total[2m]))', threshold: '100' };

test.each([
  ['Helm values', 'http://prometheus-server.monitoring.svc.cluster.local:80'],
  ['kube-prometheus', 'http://prometheus-operated.monitoring.svc:9090'],
])('%s serverAddress is answered by --prometheus-url', (_shape, serverAddress) => {
  expect(localizeTrigger({ ...TUTORIAL, serverAddress }, LOCAL, URL_ONLY)).toEqual({
    metadata: { ...TUTORIAL, source: 'prometheus' },
    note: `serverAddress ${serverAddress} answered by http://127.0.0.1:9090`,
  });
});

test('without --config, an unknown source name is answered too; a known one is left alone', () => {
  expect(localizeTrigger({ ...TUTORIAL, source: 'thanos' }, LOCAL, URL_ONLY).note).toBe(
    'source thanos answered by http://127.0.0.1:9090',
  );
  const named = validateConfig({ sources: [{ name: 'prometheus', url: 'http://127.0.0.1:9090' }] });
  expect(localizeTrigger({ ...TUTORIAL, source: 'prometheus' }, named, CONFIG_ONLY)).toEqual({
    metadata: { ...TUTORIAL, source: 'prometheus' },
    note: undefined,
  });
});

test('with several configured sources and no --prometheus-url, the error lists them', () => {
  const two = validateConfig({
    sources: [
      { name: 'a', url: 'http://127.0.0.1:1' },
      { name: 'b', url: 'http://127.0.0.1:2' },
    ],
  });
  expect(() =>
    localizeTrigger({ ...TUTORIAL, serverAddress: 'http://x.svc:9090' }, two, CONFIG_ONLY),
  ).toThrow(
    'serverAddress http://x.svc:9090: not a source of --config (sources: a, b); pass --prometheus-url URL',
  );
});

test('printed URLs carry no credentials, query or fragment', () => {
  const config = validateConfig({ sources: [] }, { prometheusUrl: 'http://127.0.0.1:9090' });
  const { note } = localizeTrigger(
    {
      serverAddress: 'http://user:pw@prom.svc:9090/?token=SECRET123#frag',
      query: 'up',
      threshold: '1',
    },
    config,
    URL_ONLY,
  );
  expect(note).toBe(
    'serverAddress http://REDACTED@prom.svc:9090/?REDACTED answered by http://127.0.0.1:9090',
  );
});

test("with the cluster's own config, --prometheus-url answers its in-cluster source", () => {
  const cluster = validateConfig(
    { sources: [{ name: 'prometheus', url: 'http://prometheus-operated.monitoring.svc:9090' }] },
    { prometheusUrl: 'http://127.0.0.1:9090' },
  );
  // The flag's source replaces the file's of the same name (deploy/'s one source, "prometheus").
  expect(cluster.sources.map(s => s.url)).toEqual(['http://127.0.0.1:9090']);
  expect(localizeTrigger({ ...TUTORIAL, source: 'prometheus' }, cluster, BOTH)).toEqual({
    metadata: { ...TUTORIAL, source: 'prometheus' },
    note: undefined,
  });
  // The in-cluster URL by serverAddress is still answered locally, and said so.
  expect(
    localizeTrigger(
      { ...TUTORIAL, serverAddress: 'http://prometheus-operated.monitoring.svc:9090' },
      cluster,
      BOTH,
    ).note,
  ).toBe(
    'serverAddress http://prometheus-operated.monitoring.svc:9090 answered by http://127.0.0.1:9090',
  );
});

// Was: `source: promethues` with a one-source --config printed "answered by"
// and exited 0. --config names the sources, so a name it lacks is left for the server's refusal.
test.each([
  ['--config alone', CONFIG_ONLY, undefined],
  ['--config and --prometheus-url', BOTH, 'http://127.0.0.1:9090'],
])('with %s, an unknown source is left as written', (_flags, given, prometheusUrl) => {
  const one = validateConfig(
    { sources: [{ name: 'prometheus', url: 'http://127.0.0.1:9090' }] },
    prometheusUrl === undefined ? {} : { prometheusUrl },
  );
  expect(localizeTrigger({ ...TUTORIAL, source: 'promethues' }, one, given)).toEqual({
    metadata: { ...TUTORIAL, source: 'promethues' },
    note: undefined,
  });
});
