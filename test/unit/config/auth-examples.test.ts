// Each examples/sources stanza for a managed Prometheus is a valid configuration with the
// auth mode its file names; test/integration/source-auth.test.ts sends the same stanzas on the wire.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig, validateConfig } from '../../../src/config/load-config';

const example = (name: string) =>
  loadConfig({ configFile: join(__dirname, '../../../examples/sources', name) });

test.each([
  ['amazon.yaml', 'sigv4'],
  ['azure.yaml', 'azure'],
  ['google.yaml', 'google'],
  ['oauth2.yaml', 'oauth2'],
] as const)('%s configures %s', (file, mode) => {
  const auth = example(file).sources[0]?.auth;
  expect(auth?.[mode]).toBeDefined();
  expect(Object.values(auth ?? {}).filter(v => v !== undefined)).toHaveLength(1);
});

test('the amazon example signs as service aps in its workspace region', () => {
  expect(example('amazon.yaml').sources[0]?.auth?.sigv4).toEqual({
    region: 'eu-west-1',
    service: 'aps',
    roleArn: undefined,
  });
});

test('two auth modes on one source, or auth with bearerTokenFile, are refused', () => {
  expect(() =>
    validateConfig({
      sources: [{ name: 'x', url: 'http://a', auth: { google: {}, azure: {} } }],
    }),
  ).toThrow('sources[0].auth: needs exactly one of sigv4, oauth2, azure, google, got 2');
  expect(() =>
    validateConfig({
      sources: [
        { name: 'x', url: 'http://a', bearerTokenFile: '/t', auth: { sigv4: { region: 'r' } } },
      ],
    }),
  ).toThrow('sources[0].auth: cannot be combined with bearerTokenFile or basicAuth');
});

test('the documented source authentication stanzas are valid configurations', () => {
  const readme = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');
  const start = readme.indexOf('<!-- section: source authentication, proxies and migration -->');
  const end = readme.indexOf(
    '<!-- end of section: source authentication, proxies and migration -->',
  );
  const blocks = [...readme.slice(start, end).matchAll(/```yaml\n([\s\S]*?)```/g)];
  expect(blocks.length).toBe(4);
  const modes = blocks.flatMap(b =>
    validateConfig(parseYaml(b[1] ?? '')).sources.map(
      s => Object.keys(s.auth ?? {}).find(k => s.auth?.[k as 'sigv4'] !== undefined) ?? 'proxy',
    ),
  );
  expect(modes.sort()).toEqual(['azure', 'google', 'oauth2', 'proxy', 'sigv4']);
});
