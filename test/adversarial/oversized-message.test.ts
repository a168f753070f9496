// A request message larger than the metadata bounds allow is refused by the transport from its
// length prefix (RESOURCE_EXHAUSTED), never decoded: the handler, its metadata checks and its
// metrics never see it. One just under the bound still reaches the metadata checks.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, status } from '@grpc/grpc-js';
import { MAX_REQUEST_MESSAGE_BYTES } from '../../src/scaler/message-limit';
import { bufCurl } from '../helpers/buf-curl';
import type { Scaler } from './harness';
import { goodMetadata, metricValue, ref, startScaler, timed } from './harness';

let scaler: Scaler;
beforeAll(async () => (scaler = await startScaler()));
afterAll(() => scaler.stop());

/** 300,000 one-character keys: about 4.1 MB on the wire (the limit on keys is 64). */
const MANY_KEYS = Object.fromEntries(
  Array.from({ length: 300_000 }, (_, i) => [i.toString(36), '']),
);

const decodedCalls = (): Promise<number> =>
  metricValue(
    scaler,
    'keda_prometheus_scaler_grpc_calls_total{rpc="GetMetricSpec",code="INVALID_ARGUMENT"}',
  );

/** Log lines the metadata bounds wrote: they exist only once a message was decoded. */
const metadataRefusals = (): number =>
  scaler.logs.filter(l => String(l['msg']).includes('invalid trigger metadata')).length;

test('grpc-js: a 4 MB GetMetricSpec is refused by size, before anything decodes it', async () => {
  const before = { calls: await decodedCalls(), logs: metadataRefusals() };
  const result = await timed(() => scaler.client.getMetricSpec(ref(goodMetadata(MANY_KEYS))));
  expect(status[result.code]).toBe('RESOURCE_EXHAUSTED');
  expect(result.details).toContain(`vs ${MAX_REQUEST_MESSAGE_BYTES}`);
  // The handler never ran: no metadata rule was checked, no call was counted.
  expect(metadataRefusals()).toBe(before.logs);
  expect(await decodedCalls()).toBe(before.calls);
  // The port still answers.
  expect((await scaler.client.getMetricSpec(ref(goodMetadata()))).metricSpecs).toHaveLength(1);
});

test('grpc-js: a message just under the bound is decoded and meets the metadata rules', async () => {
  const before = { calls: await decodedCalls(), logs: metadataRefusals() };
  // One 700,000-character key: under the message bound, far over the 128-character key bound.
  const result = await timed(() =>
    scaler.client.getMetricSpec(ref(goodMetadata({ [`x${'k'.repeat(700_000)}`]: '1' }))),
  );
  expect(status[result.code]).toBe('INVALID_ARGUMENT');
  expect(result.details).toContain('longer than 128 characters');
  expect(metadataRefusals()).toBe(before.logs + 1);
  expect(await decodedCalls()).toBe(before.calls + 1);
});

/** 70,000 four-character keys: about 700 kB, under the message bound; 280,000 characters. */
const MANY_SHORT_KEYS = Object.fromEntries(
  Array.from({ length: 70_000 }, (_, i) => [i.toString(36).padStart(4, '0'), '']),
);

test('grpc-js: a message under the size bound with 70,000 keys is refused by its count, the keys never decoded', async () => {
  const metadata = goodMetadata(MANY_SHORT_KEYS);
  const keys = Object.keys(metadata).length;
  const before = { calls: await decodedCalls(), logs: metadataRefusals() };
  const result = await timed(() => scaler.client.getMetricSpec(ref(metadata)));
  expect(status[result.code]).toBe('INVALID_ARGUMENT');
  // Only the count: a decoded map would also be refused for its 280,000 characters in all.
  expect(result.details).toBe(
    `invalid trigger metadata: metadata has ${keys} keys; at most 64 are allowed`,
  );
  expect(metadataRefusals()).toBe(before.logs + 1);
  expect(await decodedCalls()).toBe(before.calls + 1);
});

test('raw bytes: 70,000 entries tagged as varints, which protobuf.js decodes anyway, are counted too', async () => {
  // Field 3 with wire type 0 (tag 0x18): protobuf.js picks map fields by number alone.
  const entry = Buffer.from([0x18, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x78]);
  const message = Buffer.concat([
    Buffer.from([0x12, 0x02, 0x6e, 0x73]), // namespace "ns"
    ...Array.from({ length: 70_000 }, () => entry),
  ]);
  const client = new Client(scaler.target, credentials.createInsecure());
  try {
    const result = await new Promise<{ code: number; details: string }>(resolve => {
      client.makeUnaryRequest(
        '/externalscaler.ExternalScaler/GetMetricSpec',
        (b: Buffer) => b,
        (b: Buffer) => b,
        message,
        error => resolve({ code: error?.code ?? status.OK, details: error?.details ?? '' }),
      );
    });
    expect(status[result.code]).toBe('INVALID_ARGUMENT');
    expect(result.details).toBe(
      'invalid trigger metadata: metadata has 70000 keys; at most 64 are allowed',
    );
  } finally {
    client.close();
  }
});

test('buf curl (Go client): a 4 MB StreamIsActive is refused by size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kps-oversized-'));
  const body = join(dir, 'body.json');
  writeFileSync(
    body,
    JSON.stringify({ name: 'so', namespace: 'ns', scalerMetadata: goodMetadata(MANY_KEYS) }),
  );
  const before = metadataRefusals();
  const { code, stderr } = await bufCurl([
    '-d',
    `@${body}`,
    `http://${scaler.target}/externalscaler.ExternalScaler/StreamIsActive`,
  ]);
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/resource_exhausted/i);
  expect(stderr).toContain(`vs ${MAX_REQUEST_MESSAGE_BYTES}`);
  expect(metadataRefusals()).toBe(before);
});
