// A source that echoes the request headers in its error text, and one that sends a 7 MB error
// body: no credential, and never more than 1 KiB, reaches the gRPC status or a log line (trace).
// A metadata API that echoes the headers raw, URL-encoded and Go-escaped: the empty-result
// diagnosis prints none of them in `check` output or the server's debug log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { main } from '../../src/main';
import type { Scaler } from './harness';
import { goodMetadata, ref, startScaler, timed } from './harness';

const TOKEN = 'bearer-token-0f1e2d3c4b5a';
const PASSWORD = 'basic-password-9a8b7c';
const TENANT = 'tenant-header-value-77';
const TRIGGER_HEADER = 'trigger-header-value-88';
const GATEWAY_KEY = 'gateway-key-5e6f7a';
const BASIC_PAIR = Buffer.from(`scaler:${PASSWORD}`).toString('base64');
const SECRETS = [TOKEN, PASSWORD, TENANT, TRIGGER_HEADER, BASIC_PAIR, GATEWAY_KEY];
/** What each source sends that must not come back. */
const CREDENTIAL_SENT: Record<string, string> = {
  token: TOKEN,
  basic: BASIC_PAIR,
  gateway: GATEWAY_KEY,
};

/** KEDA's HPA path gives about 3 s; the source's timeout is 1 s. */
const DEADLINE_MS = 3000;

let scaler: Scaler;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echoed-secrets-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'password'), PASSWORD);
  writeFileSync(join(dir, 'gateway-key'), `${GATEWAY_KEY}\n`);
  scaler = await startScaler(url => ({
    // A breaker that never opens here: each case must show its own failure.
    breaker: { failureThreshold: 1000 },
    sources: [
      {
        name: 'token',
        url,
        timeout: '1s',
        bearerTokenFile: join(dir, 'token'),
        headers: { 'X-Scope-OrgID': TENANT },
      },
      {
        name: 'basic',
        url: `${url}/basic`,
        timeout: '1s',
        basicAuth: { username: 'scaler', passwordFile: join(dir, 'password') },
      },
      {
        name: 'gateway',
        url: `${url}/gateway`,
        timeout: '1s',
        headerFiles: { 'X-Gateway-Key': join(dir, 'gateway-key') },
      },
    ],
  }));
});
afterAll(() => scaler.stop());

/** Everything the scaler wrote or answered, as one text to search. */
const everything = (details: string): string => `${details}\n${JSON.stringify(scaler.logs)}`;

let n = 0;
test.each([
  ['a 400 from the token source', 'token', 400, status.INVALID_ARGUMENT],
  ['a 503 from the token source', 'token', 503, status.INVALID_ARGUMENT],
  ['a 400 from the basic-auth source', 'basic', 400, status.INVALID_ARGUMENT],
  ['a 400 from the source with a header from a file', 'gateway', 400, status.INVALID_ARGUMENT],
])(
  '%s echoing every request header: no secret in the status or the logs',
  async (_, source, httpStatus, code) => {
    scaler.prometheus.mode = { kind: 'echoHeaders', status: httpStatus };
    const metadata = goodMetadata({
      source,
      query: `sum(up) + ${++n}`, // a new cache key per case
      customHeaders: `X-Api-Key=${TRIGGER_HEADER}`,
    });
    const result = await timed(() =>
      scaler.client.getMetrics(ref(metadata), '', { deadlineMs: DEADLINE_MS }),
    );
    // The source did receive the secrets, so their absence below means they were redacted.
    const sent = scaler.prometheus.requests.at(-1)?.headers ?? {};
    expect(JSON.stringify(sent)).toContain(TRIGGER_HEADER);
    expect(JSON.stringify(sent)).toContain(CREDENTIAL_SENT[source]);
    expect(status[result.code]).toBe(status[code]);
    expect(result.details).toMatch(/rejected the query: request headers: .*\[REDACTED\]/);
    const text = everything(result.details);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  },
);

test('a 7 MB error body: a message of at most 1 KiB, before the deadline, and short log lines', async () => {
  const error = `parse error: ${'x'.repeat(7 * 1024 * 1024)}`;
  scaler.prometheus.mode = {
    kind: 'custom',
    respond: (_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error })),
  };
  const logsBefore = scaler.logs.length;
  const result = await timed(() =>
    scaler.client.getMetrics(ref(goodMetadata({ source: 'token', query: 'sum(up) + 7' })), '', {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(result.code).toBe(status.INVALID_ARGUMENT);
  expect(result.details).toMatch(/^prometheus rejected the query: parse error: x+… \(\d+ bytes\)$/);
  expect(Buffer.byteLength(result.details)).toBeLessThanOrEqual(1024);
  const lines = scaler.logs.slice(logsBefore);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(4096);

  // Asked again within badQueryTtl: the cached error is the same short message.
  const again = await timed(() =>
    scaler.client.getMetrics(ref(goodMetadata({ source: 'token', query: 'sum(up) + 7' })), '', {
      deadlineMs: DEADLINE_MS,
    }),
  );
  expect(again.details).toBe(result.details);
});

describe('the empty-result diagnosis against a metadata API that echoes every header', () => {
  // Characters that JavaScript's encodeURIComponent keeps and Go's url.QueryEscape encodes.
  const GO_TOKEN = "diag-token-(0f1e)!2d*3c'4b";
  const GO_TENANT = "team-b (org)!*'";
  /** Go's url.QueryEscape: everything but [A-Za-z0-9-_.~] as %HH, a space as +. */
  const goQueryEscape = (s: string): string =>
    encodeURIComponent(s)
      .replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
  const spellings = (s: string): string[] => [
    s,
    encodeURIComponent(s),
    goQueryEscape(s),
    new URLSearchParams({ s }).toString().slice(2),
    goQueryEscape(s).toLowerCase(),
  ];
  /** An empty answer to every query; every metadata call fails quoting the headers 4 ways. */
  const echoingMetadata = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/api/v1/query')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      return;
    }
    const quoted = [req.headers.authorization ?? '', String(req.headers['x-scope-orgid'])]
      .flatMap(v => [
        v,
        encodeURIComponent(v),
        goQueryEscape(v),
        new URLSearchParams({ v }).toString(),
      ])
      .join(' ');
    res
      .writeHead(502, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'error', error: `upstream refused: ${quoted}` }));
  };
  const expectNoSecret = (text: string): void => {
    for (const secret of [GO_TOKEN, GO_TENANT]) {
      for (const spelled of spellings(secret)) expect(text).not.toContain(spelled);
    }
  };

  let dir: string;
  let diag: Scaler;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'echoed-diagnosis-'));
    writeFileSync(join(dir, 'token'), `${GO_TOKEN}\n`);
    diag = await startScaler(
      url => ({
        sources: [
          {
            name: 'prometheus',
            url,
            bearerTokenFile: join(dir, 'token'),
            headers: { 'X-Scope-OrgID': GO_TENANT },
          },
        ],
      }),
      // "Keeps returning nothing" at the second empty answer instead of after a minute.
      { emptyDiagnosisAfterMs: 0 },
    );
    diag.prometheus.mode = { kind: 'custom', respond: echoingMetadata };
  });
  afterAll(async () => {
    await diag.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('server: the debug line "query keeps returning nothing" holds no secret in any spelling', async () => {
    const trigger = ref(goodMetadata({ query: 'sum(kps_missing_metric)' }));
    for (let i = 0; i < 3; i++) await diag.client.getMetrics(trigger, '');
    const diagnosed = (): Record<string, unknown>[] =>
      diag.logs.filter(l => String(l['msg']).startsWith('query keeps returning nothing'));
    for (let waited = 0; diagnosed().length === 0 && waited < 10_000; waited += 50) {
      await new Promise(r => setTimeout(r, 50));
    }
    // The metadata API was asked and answered with the echo, which the log line reports.
    expect(JSON.stringify(diagnosed())).toMatch(/upstream refused: .*\[REDACTED\]/);
    const sent = diag.prometheus.requests.filter(r => r.path.endsWith('/api/v1/series'));
    expect(JSON.stringify(sent.at(-1)?.headers)).toContain(GO_TOKEN);
    expectNoSecret(JSON.stringify(diag.logs));
  });

  test('check: the findings printed (text and JSON) hold no secret in any spelling', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        sources: [
          {
            name: 'prometheus',
            url: diag.prometheus.url,
            bearerTokenFile: join(dir, 'token'),
            headers: { 'X-Scope-OrgID': GO_TENANT },
          },
        ],
      }),
    );
    for (const output of ['text', 'json']) {
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
      const code = await main(
        [
          'check',
          '--metadata',
          'query=sum(kps_missing_metric)',
          '--metadata',
          'threshold=5',
          '--config',
          config,
          '--output',
          output,
        ],
        {},
        io,
      );
      expect(code).toBe(1); // an empty result without --allow-empty
      const printed = out.join('');
      expect(printed).toMatch(/upstream refused: .*\[REDACTED\]/);
      expectNoSecret(printed);
    }
  });
});
