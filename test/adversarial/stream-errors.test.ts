// StreamIsActive and StreamMetricSpec refuse bad metadata and a denied serverAddress with the
// same status, log line and metric as the unary calls
// (docs/errors-and-limits.md "Errors and gRPC statuses").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { bufCurl } from '../helpers/buf-curl';
import type { Scaler } from './harness';
import { firstStreamStatus, goodMetadata, metricValue, ref, startScaler } from './harness';

let scaler: Scaler;
beforeAll(async () => (scaler = await startScaler()));
afterAll(() => scaler.stop());

const BAD_METADATA = goodMetadata({ threshold: 'ten' });
const DENIED = goodMetadata({ serverAddress: 'http://10.255.0.1:9090' });

describe.each(['StreamIsActive', 'StreamMetricSpec'] as const)('%s', rpc => {
  test.each([
    ['bad metadata', BAD_METADATA, status.INVALID_ARGUMENT, /threshold: must be a number > 0/],
    ['a denied serverAddress', DENIED, status.PERMISSION_DENIED, /serverAddress/],
  ])('%s: the status, a log line and the metric', async (_, metadata, code, message) => {
    const series = `keda_prometheus_scaler_grpc_calls_total{rpc="${rpc}",code="${status[code]}"}`;
    const before = await metricValue(scaler, series);
    const result = await firstStreamStatus(scaler.client.stream(rpc, ref(metadata)));
    expect(status[result.code]).toBe(status[code]);
    expect(result.details).toMatch(message);
    expect(await metricValue(scaler, series)).toBe(before + 1);
    const line = scaler.logs.find(l => l['rpc'] === rpc && l['code'] === status[code]);
    expect(line).toMatchObject({ namespace: 'team-a', scaledObject: 'so', level: 40 });
    expect(String(line?.['msg'])).toMatch(message);
  });
});

test('buf curl (Go client) sees INVALID_ARGUMENT on StreamIsActive with bad metadata', async () => {
  const { code, stderr } = await bufCurl([
    '-d',
    JSON.stringify({ name: 'so', namespace: 'ns', scalerMetadata: BAD_METADATA }),
    `http://${scaler.target}/externalscaler.ExternalScaler/StreamIsActive`,
  ]);
  expect(code).not.toBe(0);
  const error = JSON.parse(stderr) as { code: string; message: string };
  expect(error.code).toBe('invalid_argument');
  expect(error.message).toContain('threshold: must be a number > 0');
});

test('the errors list of docs/errors-and-limits.md has the stream entries with the statuses seen above', () => {
  const page = readFileSync(join(__dirname, '../../docs/errors-and-limits.md'), 'utf8');
  const errors = page.slice(page.indexOf('## Errors'), page.indexOf('## Limits'));
  // One entry per situation; an entry's wrapped lines joined.
  const rows = errors
    .split(/\n(?=- )/)
    .map(e => e.replace(/\s+/g, ' '))
    .filter(e => e.startsWith('- ') && e.includes('StreamIsActive'));
  expect(rows.some(r => r.includes('metadata') && r.includes('`INVALID_ARGUMENT`'))).toBe(true);
  expect(rows.some(r => r.includes('serverAddress') && r.includes('`PERMISSION_DENIED`'))).toBe(
    true,
  );
});
