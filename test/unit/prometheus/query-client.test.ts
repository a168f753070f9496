// The HTTP request the scaler sends, and how failures are classified, against undici's MockAgent.
import { MockAgent } from 'undici';
import { isScalerError } from '../../../src/errors';
import type { InstantQuery } from '../../../src/prometheus/query-client';
import { prometheusTimeoutSeconds, queryInstant } from '../../../src/prometheus/query-client';
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
