// Echoed values and whole messages are bounded, at every place a value from outside is quoted.
import { status } from '@grpc/grpc-js';
import { validateConfig } from '../../../src/config/load-config';
import { ConfigError } from '../../../src/config/load-config';
import { ScalerError, isScalerError } from '../../../src/errors';
import { toGrpcStatus } from '../../../src/scaler/grpc-status';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import { SourceRegistry } from '../../../src/sources/source-registry';
import { MAX_MESSAGE_BYTES, capMessage, clip, clipName, quote } from '../../../src/util/echo';
import { redactUrl } from '../../../src/util/url-rules';

const long = 'k'.repeat(10_000);

describe('the helpers', () => {
  test('short values are unchanged; long ones keep their start and say their size', () => {
    expect(clip('abc')).toBe('abc');
    expect(quote('a"b\n')).toBe('"a\\"b\\n"');
    expect(clip(long)).toBe(`${'k'.repeat(128)}… (10000 bytes)`);
    expect(quote(long)).toBe(`"${'k'.repeat(128)}"… (10000 bytes)`);
  });

  test('the size is in UTF-8 bytes and a surrogate pair is never cut in half', () => {
    const emoji = '😀'.repeat(100); // 200 code units, 400 bytes
    const shown = clip(emoji, 3);
    expect(shown).toBe('😀… (400 bytes)');
  });

  test('a message is cut to 1 KiB of UTF-8, also when every character takes 3 bytes', () => {
    for (const text of ['x'.repeat(100_000), 'é'.repeat(100_000), '€'.repeat(5000)]) {
      const capped = capMessage(text);
      expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(capped).toMatch(/… \(\d+ bytes\)$/);
      expect(capMessage(capped)).toBe(capped);
    }
    expect(capMessage('short')).toBe('short');
  });

  test.each([
    ['http://prom:9090/api?token=s3cr3t', 'http://prom:9090/api?REDACTED'],
    ['http://user:pw@prom:9090/#frag', 'http://REDACTED@prom:9090/?REDACTED'],
    ['http://prom:9090/plain', 'http://prom:9090/plain'],
    ['not a url ?token=s3cr3t', 'not a url ?REDACTED'],
  ])('redactUrl(%s) shows no credential and no query', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('every message is capped once, for the wire and the log alike', () => {
  test('a ScalerError made from a huge text holds at most 1 KiB, and so does its status', () => {
    const e = new ScalerError('bad_query', `prometheus rejected the query: ${long.repeat(100)}`);
    expect(Buffer.byteLength(e.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const st = toGrpcStatus(e);
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    expect(st.details).toBe(e.message);
  });
});

describe('echo sites', () => {
  function messageOf(run: () => unknown): string {
    try {
      run();
    } catch (e) {
      if (isScalerError(e) || e instanceof ConfigError) return e.message;
      throw e;
    }
    throw new Error('expected a failure');
  }
  /** The message names the value by its start and size and is far shorter than the value. */
  const bounded = (message: string): void => {
    expect(message).toMatch(/… \(1000[01] bytes\)/);
    expect(message.length).toBeLessThan(1000);
  };

  test('metadata: an over-long key (refused by the bounds, named by the same helper)', () => {
    bounded(messageOf(() => parseTrigger({ query: 'up', threshold: '1', [long]: 'v' })));
  });

  test('metadata: a bad value and a bad header name', () => {
    bounded(messageOf(() => parseTrigger({ query: 'up', threshold: long })));
    // A name under the 8 KiB customHeaders cap, so the name itself is what gets refused.
    const name = `${'h'.repeat(5000)}(`;
    const message = messageOf(() =>
      parseTrigger({ query: 'up', threshold: '1', customHeaders: `${name}=1` }),
    );
    expect(message).toMatch(/… \(5001 bytes\)/);
    expect(message.length).toBeLessThan(1000);
  });

  test('metadata: a serverAddress with a query string shows neither the query nor its token', () => {
    const message = messageOf(() =>
      parseTrigger({ query: 'up', threshold: '1', serverAddress: 'http://p:9090/?token=s3cr3t' }),
    );
    expect(message).toContain('"http://p:9090/?REDACTED"');
    expect(message).not.toContain('s3cr3t');
  });

  test('source registry: an unknown source name', () => {
    const registry = new SourceRegistry(
      validateConfig({ sources: [{ name: 'prod', url: 'http://prom:9090' }] }),
    );
    bounded(messageOf(() => registry.resolve({ kind: 'named', name: long })));
    void registry.close();
  });

  test('config loader: a URL that is refused is shown without its query', () => {
    const message = messageOf(() =>
      validateConfig({ sources: [{ name: 's', url: 'ftp://prom/?token=s3cr3t' }] }),
    );
    expect(message).toContain('"ftp://prom/?REDACTED"');
    expect(message).not.toContain('s3cr3t');
  });

  test('config loader: an unknown key and a bad value', () => {
    bounded(messageOf(() => validateConfig({ sources: [], [long]: 1 })));
    bounded(messageOf(() => validateConfig({ logLevel: long, sources: [] })));
  });
});

describe('a key or value cannot forge a line or disguise itself', () => {
  test.each([
    ['CR and LF', 'sour\r\nce', '"sour\\r\\nce"'],
    ['NUL', 'a\u0000b', '"a\\u0000b"'],
    ['a right-to-left override', '\u202elive', '"\\u202elive"'],
    ['a C1 control and a line separator', 'a\u0085b\u2028c', '"a\\u0085b\\u2028c"'],
  ])('an unknown metadata key with %s is shown escaped', (_name, key, shown) => {
    let message = '';
    try {
      parseTrigger({ query: 'up', threshold: '1', [key]: 'x' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${shown}: unknown key`);
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f\u0085\u2028\u202e]/);
  });

  test('a value with a bidirectional override is escaped in quote, a plain key is left as it is', () => {
    expect(quote('\u202eevil')).toBe('"\\u202eevil"');
    expect(clipName('serverAdress')).toBe('serverAdress');
  });

  test('a configuration key with a newline is shown escaped', () => {
    let message = '';
    try {
      validateConfig({ sources: [], 'bad\nkey': 1 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('"bad\\nkey": unknown key');
  });
});
