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
