// Secret values are removed from a source's text in every form an echo may use, and a source
// knows its current secrets (rotated files included).
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../../src/config/load-config';
import { REDACTED, Redactor } from '../../../src/prometheus/redact';
import { Source } from '../../../src/sources/source';

describe('Redactor', () => {
  const r = new Redactor(['s3cr3t/token+1', 'ab', 'team-a']);

  test.each([
    ['plain', 'got s3cr3t/token+1 twice: s3cr3t/token+1', `got ${REDACTED} twice: ${REDACTED}`],
    ['percent-encoded', 'url ?t=s3cr3t%2Ftoken%2B1&x', `url ?t=${REDACTED}&x`],
    ['cut off at the end of the text', 'header: s3cr3t/tok', `header: ${REDACTED}`],
    ['a header value', 'X-Scope-OrgID: team-a', `X-Scope-OrgID: ${REDACTED}`],
    ['values under 4 characters are left alone', 'ab cd', 'ab cd'],
  ])('%s', (_name, text, expected) => {
    expect(r.redact(text)).toBe(expected);
  });

  test('JSON-escaped', () => {
    const quoteful = new Redactor(['pa"ss\\word']);
    expect(quoteful.redact(JSON.stringify({ p: 'pa"ss\\word' }))).toBe(`{"p":"${REDACTED}"}`);
  });

  // Go's url.QueryEscape (a Go proxy, Thanos) encodes !'()* and writes a space as +;
  // JavaScript's encodeURIComponent leaves !'()* alone; some encoders write lower-case hex.
  const goSecret = "it's (a) *secret* token!";
  const goQueryEscaped = 'it%27s+%28a%29+%2Asecret%2A+token%21';
  test.each([
    ['Go url.QueryEscape', goQueryEscaped],
    ['Go url.PathEscape', 'it%27s%20%28a%29%20%2Asecret%2A%20token%21'],
    ['encodeURIComponent', encodeURIComponent(goSecret)],
    ['URLSearchParams (form)', new URLSearchParams({ t: goSecret }).toString().slice(2)],
    ['lower-case hex', goQueryEscaped.toLowerCase().replace('it%27s', 'it%27s')],
    ['encoded twice', encodeURIComponent(goQueryEscaped)],
    ['JSON \\u escapes', 'it\\u0027s (a) *secret* token!'],
    ['HTML references (Go html.EscapeString)', 'it&#39;s (a) *secret* token!'],
    ['HTML hex references', 'it&#x27;s (a) *secret* token!'],
    ['Go %q of bytes', 'it\\x27s (a) *secret* token!'],
    ['mixed', 'it%27s+(a)%20*secret%2a token&#33;'],
  ])('%s spelling of a secret', (_name, spelled) => {
    const redactor = new Redactor([goSecret]);
    expect(redactor.redact(`echo: ${spelled} end`)).toBe(`echo: ${REDACTED} end`);
    // Cut off by a read limit, inside or between escapes.
    for (const cut of [12, 13, 14]) {
      expect(redactor.redact(`echo: ${spelled.slice(0, cut)}`)).toBe(`echo: ${REDACTED}`);
    }
  });

  test('non-ASCII secrets in UTF-8 percent-encoding and JSON surrogate pairs', () => {
    const secret = 'pässwörd-🔑-x';
    const redactor = new Redactor([secret]);
    expect(redactor.redact(`a=${encodeURIComponent(secret)}`)).toBe(`a=${REDACTED}`);
    const ascii = JSON.stringify(secret).replace(
      /[^\x20-\x7e]/g,
      c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(redactor.redact(`b=${ascii}`)).toBe(`b="${REDACTED}"`);
  });

  test('text without a secret is unchanged, regex characters in secrets are literal', () => {
    const redactor = new Redactor(['a.b*c+d?', 'x(y)[z]']);
    expect(redactor.redact('aXbbbcd a.b*c+d? x(y)[z] xyz')).toBe(
      `aXbbbcd ${REDACTED} ${REDACTED} xyz`,
    );
  });

  test('a value containing another is replaced whole', () => {
    expect(new Redactor(['user', 'user:password']).redact('user:password')).toBe(REDACTED);
  });
});

describe('Source.secretValues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redact-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const sourceOf = (extra: Record<string, unknown>): Source =>
    new Source(
      validateConfig({ sources: [{ name: 's', url: 'http://prom:9090', ...extra }] }).sources[0]!,
    );

  test('bearer token, static header values', async () => {
    const source = sourceOf({
      bearerTokenFile: file('token', 'tok-123456\n'),
      headers: { 'X-Scope-OrgID': 'tenant-a' },
    });
    expect(source.secretValues()).toEqual(
      expect.arrayContaining(['tok-123456', 'Bearer tok-123456', 'tenant-a']),
    );
    await source.close();
  });

  test('basic auth: the password, the pair and its base64 form', async () => {
    const source = sourceOf({
      basicAuth: { username: 'scaler', passwordFile: file('password', 'pw-98765') },
    });
    const pair = 'scaler:pw-98765';
    expect(source.secretValues()).toEqual(
      expect.arrayContaining(['pw-98765', pair, Buffer.from(pair).toString('base64')]),
    );
    await source.close();
  });

  test('a rotated token file: the new value is known once the file is re-read', async () => {
    const path = file('rotating', 'old-token-1');
    const source = sourceOf({ bearerTokenFile: path });
    expect(source.secretValues()).toContain('old-token-1');
    writeFileSync(`${path}.new`, 'new-token-2');
    renameSync(`${path}.new`, path); // how a mounted Secret changes: a new file, swapped in
    await new Promise(resolve => setTimeout(resolve, 1100)); // SecretFile re-checks each second
    expect(source.secretValues()).toContain('new-token-2');
    expect(source.secretValues()).not.toContain('old-token-1');
    await source.close();
  });

  test('an unreadable secret file gives the values it can, and does not throw', async () => {
    const source = sourceOf({ bearerTokenFile: join(dir, 'missing'), headers: { a: 'value-1' } });
    expect(source.secretValues()).toEqual(['value-1']);
    await source.close();
  });
});
