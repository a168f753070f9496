// No secret is written into the configuration (deploy/'s ConfigMap, the chart's values): the
// reader and the generated JSON Schema refuse credentials in URLs and credential header names,
// naming the key and never echoing the value.
import Ajv2020 from 'ajv/dist/2020';
import { validateConfig } from '../../../src/config/load-config';
import { ConfigSchema } from '../../../src/config/schema';

/** Every problem the reader finds (none: an empty list). */
const problems = (raw: unknown): string[] => {
  const found: string[] = [];
  try {
    validateConfig(raw);
  } catch (e) {
    found.push(...((e as { problems?: string[] }).problems ?? [String(e)]));
  }
  return found;
};

const SECRET = 's3cret-value-xyz';
const source = (extra: Record<string, unknown>) => ({
  sources: [{ name: 'p', url: 'http://prom:9090', ...extra }],
});

test.each([
  ['url', { url: `http://user:${SECRET}@prom:9090` }, 'sources[0].url', 'basicAuth'],
  ['url query', { url: `http://prom:9090/api?api_key=${SECRET}` }, 'sources[0].url', 'query'],
  ['proxyUrl', { proxyUrl: `http://u:${SECRET}@proxy:3128` }, 'sources[0].proxyUrl', 'HTTPS_PROXY'],
  [
    'Authorization',
    { headers: { Authorization: `Bearer ${SECRET}` } },
    'sources[0].headers.Authorization',
    'bearerTokenFile',
  ],
  [
    'Proxy-Authorization',
    { headers: { 'Proxy-Authorization': SECRET } },
    'sources[0].headers.Proxy-Authorization',
    'bearerTokenFile',
  ],
  ['Cookie', { headers: { cookie: SECRET } }, 'sources[0].headers.cookie', 'bearerTokenFile'],
  [
    'X-Api-Key',
    { headers: { 'X-Api-Key': SECRET } },
    'sources[0].headers.X-Api-Key',
    'bearerTokenFile',
  ],
  [
    'X-Auth-Token',
    { headers: { 'X-Auth-Token': SECRET } },
    'sources[0].headers.X-Auth-Token',
    'bearerTokenFile',
  ],
  [
    'oauth2 client_secret',
    {
      auth: {
        oauth2: {
          tokenUrl: 'http://t/token',
          clientId: 'c',
          clientSecretFile: '/f',
          endpointParams: { client_secret: SECRET },
        },
      },
    },
    'sources[0].auth.oauth2.endpointParams.client_secret',
    'clientSecretFile',
  ],
])(
  '%s: refused by the reader and the JSON Schema, naming the key, not the value',
  (_n, extra, key, instead) => {
    const raw = source(extra);
    const found = problems(raw);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${key}: `);
    expect(found[0]).toContain(instead);
    expect(found[0]).not.toContain(SECRET);
    const validate = new Ajv2020({ strict: false }).compile(ConfigSchema);
    expect(validate(raw)).toBe(false);
    expect(JSON.stringify(validate.errors)).not.toContain(SECRET);
  },
);

test('tenant and routing headers stay allowed', () => {
  const raw = source({ headers: { 'X-Scope-OrgID': 'team-a', 'X-Grafana-Org-Id': '2' } });
  expect(problems(raw)).toEqual([]);
  expect(new Ajv2020({ strict: false }).compile(ConfigSchema)(raw)).toBe(true);
});
