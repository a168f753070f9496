// A source that echoes the request headers in its error text, and one that sends a 7 MB error
// body: no credential, and never more than 1 KiB, reaches the gRPC status or a log line (trace).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Scaler } from './harness';
import { goodMetadata, ref, startScaler, timed } from './harness';

const TOKEN = 'bearer-token-0f1e2d3c4b5a';
const PASSWORD = 'basic-password-9a8b7c';
const TENANT = 'tenant-header-value-77';
const TRIGGER_HEADER = 'trigger-header-value-88';
const BASIC_PAIR = Buffer.from(`scaler:${PASSWORD}`).toString('base64');
const SECRETS = [TOKEN, PASSWORD, TENANT, TRIGGER_HEADER, BASIC_PAIR];

/** KEDA's HPA path gives about 3 s; the source's timeout is 1 s. */
const DEADLINE_MS = 3000;

let scaler: Scaler;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echoed-secrets-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'password'), PASSWORD);
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
    expect(JSON.stringify(sent)).toContain(source === 'token' ? TOKEN : BASIC_PAIR);
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
  expect(result.ms).toBeLessThan(DEADLINE_MS);
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
