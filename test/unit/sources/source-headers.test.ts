// Which request headers a source sets itself (so a trigger's customHeaders of that name are not
// the trigger's own identity): static headers, its credentials, what its auth mode writes.
import { validateConfig } from '../../../src/config/load-config';
import { Source } from '../../../src/sources/source';

const sourceWith = (extra: Record<string, unknown>): Source =>
  new Source(
    validateConfig({ sources: [{ name: 's', url: 'http://prom.test:9090', ...extra }] })
      .sources[0]!,
  );

test.each<[string, Record<string, unknown>, Record<string, boolean>]>([
  [
    'no credentials',
    { headers: { 'X-Scope-OrgID': 'a' } },
    { 'x-scope-orgid': true, authorization: false, 'x-amz-date': false, constructor: false },
  ],
  ['a bearer token file', { bearerTokenFile: '/nonexistent/token' }, { authorization: true }],
  [
    'basic auth',
    { basicAuth: { username: 'u', passwordFile: '/nonexistent/pw' } },
    { authorization: true },
  ],
  [
    'sigv4',
    { auth: { sigv4: { region: 'eu-west-1' } } },
    { authorization: true, 'x-amz-date': true, 'x-amz-security-token': true },
  ],
  [
    'oauth2',
    {
      auth: {
        oauth2: {
          tokenUrl: 'http://tokens.test/token',
          clientId: 'c',
          clientSecretFile: '/nonexistent/secret',
        },
      },
    },
    { authorization: true, 'x-amz-date': false },
  ],
])('%s: the headers it owns, without reading any file', async (_name, extra, owns) => {
  const source = sourceWith(extra);
  try {
    for (const [name, expected] of Object.entries(owns)) {
      expect([name, source.ownsHeader(name)]).toEqual([name, expected]);
    }
  } finally {
    await source.close();
  }
});
