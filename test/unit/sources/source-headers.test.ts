// Which request headers a source sets itself (so a trigger's customHeaders of that name are not
// the trigger's own identity): static headers, its credentials, what its auth mode writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The error `act` throws; fails the test when it throws none. */
function thrown(act: () => unknown): { kind?: string; message: string } {
  try {
    act();
  } catch (e) {
    return e as { kind?: string; message: string };
  }
  throw new Error('expected an error, none was thrown');
}

describe('headerFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kps-header-files-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('the value is read from the file, sent under its header and redacted; a rotation is picked up', async () => {
    const file = join(dir, 'api-key');
    writeFileSync(file, 'key-one\n');
    // Only Date is faked: SecretFile re-checks a file once a second of Date.now().
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'setInterval', 'setImmediate', 'nextTick'] });
    const source = sourceWith({ headerFiles: { 'X-Api-Key': file } });
    try {
      expect(source.ownsHeader('x-api-key')).toBe(true);
      expect(source.headers()).toEqual({ 'x-api-key': 'key-one' });
      expect(source.secretValues()).toContain('key-one');
      writeFileSync(file, 'key-two-longer\n');
      jest.setSystemTime(Date.now() + 2000);
      expect(source.headers()).toEqual({ 'x-api-key': 'key-two-longer' });
      expect(source.secretValues()).toContain('key-two-longer');
    } finally {
      jest.useRealTimers();
      await source.close();
    }
  });

  test('a value with a scheme of its own: the credential after the scheme is redacted too', async () => {
    const file = join(dir, 'authorization');
    writeFileSync(file, 'Token tok-abc123\n');
    const source = sourceWith({ headerFiles: { Authorization: file } });
    try {
      expect(source.headers()).toEqual({ authorization: 'Token tok-abc123' });
      expect(source.secretValues()).toEqual(
        expect.arrayContaining(['Token tok-abc123', 'tok-abc123']),
      );
    } finally {
      await source.close();
    }
  });

  test('an unreadable file or a value that is no header value: UNAVAILABLE naming the file, never the content', async () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'line-one-secret\nline-two');
    const missing = sourceWith({ headerFiles: { 'X-Api-Key': join(dir, 'absent') } });
    const invalid = sourceWith({ headerFiles: { 'X-Api-Key': bad } });
    try {
      expect(thrown(() => missing.headers())).toMatchObject({
        kind: 'unavailable',
        message: `source "s": a credential or TLS file configured for it cannot be read: ${join(dir, 'absent')} (ENOENT)`,
      });
      const { message } = thrown(() => invalid.headers());
      expect(message).toContain(`headerFiles.x-api-key: the content of "${bad}"`);
      expect(message).not.toContain('secret');
    } finally {
      await missing.close();
      await invalid.close();
    }
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'a header set in both maps',
      { headers: { 'X-Scope-OrgID': 'a' }, headerFiles: { 'x-scope-orgid': '/f' } },
      'sources[0].headerFiles.x-scope-orgid: also set in sources[0].headers; a header has one value',
    ],
    [
      'Authorization beside a bearer token',
      { bearerTokenFile: '/t', headerFiles: { Authorization: '/f' } },
      'sources[0].headerFiles.Authorization: cannot be combined with bearerTokenFile, basicAuth or auth (each writes Authorization)',
    ],
    ['a name that is no HTTP token', { headerFiles: { 'X Api': '/f' } }, 'is not an HTTP token'],
    ['an empty path', { headerFiles: { 'X-Api-Key': ' ' } }, 'must be a file path'],
  ])('%s is refused by the configuration', (_name, extra, problem) => {
    const { message } = thrown(() =>
      validateConfig({ sources: [{ name: 's', url: 'http://prom.test:9090', ...extra }] }),
    );
    expect(message).toContain(problem);
  });

  test('Authorization with a scheme of its own is accepted when nothing else writes it', () => {
    const config = validateConfig({
      sources: [{ name: 's', url: 'http://prom.test:9090', headerFiles: { Authorization: '/f' } }],
    });
    expect(config.sources[0]!.headerFiles).toEqual({ Authorization: '/f' });
  });
});
