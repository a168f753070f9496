// The HTTP request the scaler sends, and how failures are classified, against undici's MockAgent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent, Pool } from 'undici';
import { isScalerError } from '../../../src/errors';
import type { InstantQuery } from '../../../src/prometheus/query-client';
import {
  prometheusTimeoutSeconds,
  queryInstant,
  tenantHeaders,
} from '../../../src/prometheus/query-client';
import { breakerVerdict } from '../../../src/prometheus/upstream-error';
import type { SourceEndpoint } from '../../../src/prometheus/source-endpoint';

const ORIGIN = 'http://prom.test:9090';
let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(() => agent.close());

const endpoint = (headers: Record<string, string> = {}, basePath = ''): SourceEndpoint => ({
  name: 'unit',
  origin: ORIGIN,
  basePath,
  defaultTimeoutMs: 3000,
  dispatcher: () => agent,
  headers: () => headers,
  ownsHeader: name => Object.hasOwn(headers, name),
  secretValues: () => Object.values(headers),
});

const query = (extra: Partial<InstantQuery> = {}): InstantQuery => ({
  query: 'sum(rate(x[1m]))',
  timeMs: 1_700_000_000_000,
  timeoutMs: 3000,
  namespace: undefined,
  queryParameters: {},
  customHeaders: {},
  method: 'GET',
  maxResponseBytes: 1024,
  ...extra,
});

const VECTOR = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: {}, value: [1, '5'] }] },
});

interface Seen {
  path: string;
  headers: Record<string, string>;
  body: string;
}

function capture(reply: { status: number; body: string } = { status: 200, body: VECTOR }): Seen {
  const seen: Seen = { path: '', headers: {}, body: '' };
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply(opts => {
      seen.path = opts.path;
      seen.headers = Object.fromEntries(
        Object.entries(opts.headers as Record<string, string>).map(([k, v]) => [
          k.toLowerCase(),
          v,
        ]),
      );
      seen.body = typeof opts.body === 'string' ? opts.body : '';
      return { statusCode: reply.status, data: reply.body };
    });
  return seen;
}

const signal = (): AbortSignal => new AbortController().signal;

describe('request shape', () => {
  test('GET /api/v1/query with query, time, a slightly shorter Prometheus timeout', async () => {
    const seen = capture();
    await queryInstant(endpoint(), query(), signal());
    const url = new URL(seen.path, ORIGIN);
    expect(url.pathname).toBe('/api/v1/query');
    expect(url.searchParams.get('query')).toBe('sum(rate(x[1m]))');
    expect(url.searchParams.get('time')).toBe('1700000000.000');
    expect(url.searchParams.get('timeout')).toBe('2.750');
  });

  test('path prefix of the source (e.g. VictoriaMetrics /select/0/prometheus) is kept', async () => {
    const seen = capture();
    await queryInstant(endpoint({}, '/select/0/prometheus'), query(), signal());
    expect(seen.path.startsWith('/select/0/prometheus/api/v1/query?')).toBe(true);
  });

  test('namespace is escaped; queryParameters are appended in sorted order', async () => {
    const seen = capture();
    await queryInstant(
      endpoint(),
      query({ namespace: 'a&b=c', queryParameters: { z: '1', dedup: 'true' } }),
      signal(),
    );
    const url = new URL(seen.path, ORIGIN);
    expect(url.searchParams.get('namespace')).toBe('a&b=c');
    expect([...url.searchParams.keys()]).toEqual([
      'query',
      'time',
      'timeout',
      'namespace',
      'dedup',
      'z',
    ]);
  });

  test('POST sends a form body and no query string', async () => {
    const seen = capture();
    await queryInstant(endpoint(), query({ method: 'POST' }), signal());
    expect(seen.path).toBe('/api/v1/query');
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen.body).get('query')).toBe('sum(rate(x[1m]))');
  });

  test('source headers and credentials win over trigger customHeaders (tenancy cannot be spoofed)', async () => {
    const seen = capture();
    await queryInstant(
      endpoint({ 'x-scope-orgid': 'team-a', authorization: 'Bearer server-token' }),
      query({ customHeaders: { 'X-Scope-OrgID': 'team-b', Authorization: 'x', 'X-Extra': '1' } }),
      signal(),
    );
    expect(seen.headers['x-scope-orgid']).toBe('team-a');
    expect(seen.headers['authorization']).toBe('Bearer server-token');
    expect(seen.headers['x-extra']).toBe('1');
  });

  test('a GET whose query string would pass 8 KiB is sent as a POST form instead', async () => {
    const long = `sum(${'x + '.repeat(3000)}x)`;
    const seen = capture();
    await queryInstant(endpoint(), query({ query: long }), signal());
    expect(seen.path).toBe('/api/v1/query');
    expect(new URLSearchParams(seen.body).get('query')).toBe(long);
    const short = capture();
    await queryInstant(endpoint(), query(), signal());
    expect(short.path.startsWith('/api/v1/query?')).toBe(true);
  });

  test.each([
    [3000, '2.750'],
    [1000, '0.900'],
    [100, '0.090'],
  ])('prometheusTimeoutSeconds(%d) = %s', (ms, text) => {
    expect(prometheusTimeoutSeconds(ms)).toBe(text);
  });
});

describe('failures', () => {
  async function kindOf(promise: Promise<unknown>): Promise<[string, string]> {
    try {
      await promise;
    } catch (e) {
      if (!isScalerError(e)) throw e;
      return [e.kind, e.message];
    }
    throw new Error('expected a failure');
  }

  test('a body over maxResponseBytes is UNAVAILABLE', async () => {
    capture({ status: 200, body: 'x'.repeat(5000) });
    const [kind, message] = await kindOf(queryInstant(endpoint(), query(), signal()));
    expect(kind).toBe('unavailable');
    expect(message).toMatch(/more than maxResponseBytes \(1024 bytes\)/);
  });

  test.each([
    [401, /^source "unit" rejected the scaler's credentials \(HTTP 401\)/, 'identity'],
    // Under the source's own credentials a 403 may be about this query alone (an RBAC proxy on
    // the namespace parameter, a WAF rule): no shared breaker.
    [403, /^source "unit" answered forbidden \(HTTP 403\)/, 'query'],
    [429, /^source "unit" is rate-limiting the scaler \(HTTP 429\)/, 'identity'],
  ])(
    'HTTP %d is UNAVAILABLE with its own message and counts against %s',
    async (code, text, scope) => {
      capture({ status: code, body: 'nope' });
      const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
      expect(isScalerError(error) && error.kind).toBe('unavailable');
      expect((error as Error).message).toMatch(text);
      expect(breakerVerdict(error)).toEqual({ verdict: 'failure', retryAfterMs: undefined, scope });
    },
  );

  test.each([
    ['120', 120_000],
    ['0', undefined],
    ['99999', 300_000],
    ['soon', undefined],
  ])(
    'Retry-After %s on a 429 asks the breaker to wait %s ms (capped at 5 min)',
    async (value, ms) => {
      agent
        .get(ORIGIN)
        .intercept({ path: () => true })
        .reply(429, 'slow down', { headers: { 'retry-after': value } });
      const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
      expect(breakerVerdict(error)).toEqual({
        verdict: 'failure',
        retryAfterMs: ms,
        scope: 'identity',
      });
    },
  );

  test('Retry-After as an HTTP date on a 503 counts from now', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .reply(503, 'down', { headers: { 'retry-after': at } });
    const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
    const { retryAfterMs } = breakerVerdict(error);
    expect(retryAfterMs).toBeGreaterThan(25_000);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  test.each([413, 414, 431])(
    "HTTP %d (request too large) is the trigger's fault: bad_query, not a source failure",
    async code => {
      capture({ status: code, body: '' });
      const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
      expect(isScalerError(error) && error.kind).toBe('bad_query');
      expect(breakerVerdict(error).verdict).toBe('success');
    },
  );

  test('an answer over maxResponseBytes does not count against the source', async () => {
    capture({ status: 200, body: 'x'.repeat(5000) });
    const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
    expect(breakerVerdict(error).verdict).toBe('neutral');
  });

  test("a request undici cannot build is the trigger's fault, never the source's", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .replyWithError(Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }));
    const error = await queryInstant(endpoint(), query(), signal()).catch((e: unknown) => e);
    expect(isScalerError(error) && error.kind).toBe('bad_query');
    expect(breakerVerdict(error).verdict).toBe('neutral');
  });

  test('a refused connection is UNAVAILABLE with the code, not the address', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .replyWithError(
        Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9090'), { code: 'ECONNREFUSED' }),
      );
    const [kind, message] = await kindOf(queryInstant(endpoint(), query(), signal()));
    expect(kind).toBe('unavailable');
    expect(message).toBe('source "unit" is unreachable (ECONNREFUSED)');
  });

  test('no answer within the timeout is UNAVAILABLE, naming the budget', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .reply(200, VECTOR)
      .delay(500);
    const [kind, message] = await kindOf(
      queryInstant(endpoint(), query({ timeoutMs: 20 }), signal()),
    );
    expect(kind).toBe('unavailable');
    expect(message).toBe('source "unit" did not answer within 20ms');
  });

  test('a cancelled caller is CANCELLED', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .reply(200, VECTOR)
      .delay(500);
    const controller = new AbortController();
    const pending = kindOf(queryInstant(endpoint(), query(), controller.signal));
    controller.abort();
    expect((await pending)[0]).toBe('cancelled');
  });
});

describe('error bodies', () => {
  async function messageOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (e) {
      if (!isScalerError(e)) throw e;
      return e.message;
    }
    throw new Error('expected a failure');
  }

  test('a 7 MB 400 body is not read to its end; the message is short', async () => {
    // A real server on loopback: it sees whether the client stopped reading.
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    let finished = false;
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.write('{"status":"error","errorType":"bad_data","error":"');
      const more = (): void => {
        while (sent < 7 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}', () => (finished = true));
      };
      more();
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = new Pool(origin);
    try {
      const message = await messageOf(
        queryInstant(
          { ...endpoint(), origin, dispatcher: () => pool },
          query({ maxResponseBytes: 8 << 20 }),
          signal(),
        ),
      );
      expect(message).toMatch(/^prometheus rejected the query: x+… \(\d+ bytes\)$/);
      expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
      await new Promise(resolve => setTimeout(resolve, 100));
      expect(finished).toBe(false);
    } finally {
      await pool.destroy();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    }
  });

  test('source credentials and trigger customHeaders echoed by the source are redacted', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true })
      .reply(opts => ({
        statusCode: 400,
        data: JSON.stringify({
          status: 'error',
          errorType: 'bad_data',
          error: JSON.stringify(opts.headers),
        }),
      }));
    const message = await messageOf(
      queryInstant(
        endpoint({ authorization: 'Bearer server-token-123', 'x-scope-orgid': 'tenant-a' }),
        query({ customHeaders: { 'X-Api-Key': 'trigger-key-456' } }),
        signal(),
      ),
    );
    expect(message).toMatch(/REDACTED/);
    for (const secret of ['server-token-123', 'tenant-a', 'trigger-key-456']) {
      expect(message).not.toContain(secret);
    }
  });
});

test('tenantHeaders: the customHeaders the source does not set itself, by lower-case name', () => {
  const owns = { ownsHeader: (name: string) => name === 'x-scope-orgid' };
  expect(tenantHeaders(owns, { 'X-Scope-OrgID': 'b', 'X-Team': 't', constructor: 'c' })).toEqual({
    'x-team': 't',
    constructor: 'c',
  });
});
