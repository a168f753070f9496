// The gRPC edge counts metadata entries in the encoded request: a map over the bound is never
// handed to protobuf.js, and everything else decodes exactly as it would without the guard.
import type * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { loadExternalScalerPackage } from '../../../src/grpc/load-proto';
import { checkMetadataBounds } from '../../../src/metadata/metadata-bounds';
import { guardMetadataEntries } from '../../../src/scaler/metadata-entry-guard';

const { service } = loadExternalScalerPackage();
const MAX = 64;

const mapOf = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));

const ref = (n: number) => ({ name: 'orders', namespace: 'shop', scalerMetadata: mapOf(n) });

/** The method's serializer, its guarded deserializer and how often the real decoder ran. */
function method(name: string) {
  const definition = service[name]!;
  let decoded = 0;
  const counting: grpc.ServiceDefinition = {
    [name]: {
      ...definition,
      requestDeserialize: (buf: Buffer): unknown => {
        decoded++;
        return definition.requestDeserialize(buf);
      },
    },
  };
  const guarded = guardMetadataEntries(counting, MAX)[name]!;
  return {
    encode: (message: unknown): Buffer => definition.requestSerialize(message),
    decode: (buf: Buffer): unknown => guarded.requestDeserialize(buf),
    plain: (buf: Buffer): unknown => definition.requestDeserialize(buf),
    decodedCount: () => decoded,
  };
}

const refusal = (metadata: Record<string, string>): string => {
  try {
    checkMetadataBounds(metadata);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

test.each(['IsActive', 'StreamIsActive', 'GetMetricSpec', 'StreamMetricSpec'])(
  '%s: at the bound decoded as before; one entry over it never decoded, refused with its count',
  name => {
    const m = method(name);
    const atBound = m.encode(ref(MAX));
    expect(m.decode(atBound)).toEqual(m.plain(atBound));
    expect(m.decodedCount()).toBe(1);

    const over = m.decode(m.encode(ref(MAX + 1))) as ReturnType<typeof ref>;
    expect(m.decodedCount()).toBe(1);
    expect(over.name).toBe('orders');
    expect(over.namespace).toBe('shop');
    expect(Object.keys(over.scalerMetadata)).toEqual([]);
    expect(refusal(over.scalerMetadata)).toBe(
      'invalid trigger metadata: metadata has 65 keys; at most 64 are allowed',
    );
  },
);

test('GetMetrics: the ref inside the request is counted; metricName is kept', () => {
  const m = method('GetMetrics');
  const small = m.encode({ scaledObjectRef: ref(3), metricName: 's0-prometheus' });
  expect(m.decode(small)).toEqual(m.plain(small));
  const over = m.decode(
    m.encode({ scaledObjectRef: ref(80_000), metricName: 's0-prometheus' }),
  ) as { scaledObjectRef: ReturnType<typeof ref>; metricName: string };
  expect(m.decodedCount()).toBe(1);
  expect(over.metricName).toBe('s0-prometheus');
  expect(over.scaledObjectRef.namespace).toBe('shop');
  expect(refusal(over.scaledObjectRef.scalerMetadata)).toContain('metadata has 80000 keys');
});

test('the empty stand-in is what a decoded map would be refused as, whatever reads it first', () => {
  const m = method('IsActive');
  const over = m.decode(m.encode(ref(100))) as ReturnType<typeof ref>;
  // Spread (as handlers do) keeps the count; plain iteration sees no entry.
  expect(refusal({ ...over.scalerMetadata })).toContain('metadata has 100 keys');
  expect(Object.entries(over.scalerMetadata)).toEqual([]);
  expect(refusal(mapOf(100))).toBe(refusal(over.scalerMetadata));
});

const UNREADABLE =
  'invalid trigger metadata: the request is not a readable externalscaler message (protobuf wire format)';

/** One map entry, key and value of one character: field 3 with wire type `wireType`. */
const entry = (i: number, wireType = 2): Buffer => {
  const body = Buffer.from([0x0a, 0x01, 0x61 + (i % 26), 0x12, 0x01, 0x78]);
  return Buffer.concat([Buffer.from([(3 << 3) | wireType, body.length]), body]);
};
const entries = (n: number, wireType = 2): Buffer =>
  Buffer.concat(Array.from({ length: n }, (_, i) => entry(i, wireType)));

describe('spellings that protobuf.js decodes: each counted, or refused unread', () => {
  test.each<[string, Buffer, string]>([
    // protobuf.js reads a known field by its number, whatever its wire type says.
    ['map entries tagged as varints', entries(70, 0), 'metadata has 70 keys'],
    ['map entries tagged as fixed32', entries(70, 5), 'metadata has 70 keys'],
    // A 10-byte varint in an unknown field is valid protobuf; protobuf.js skips it.
    [
      'entries then an unknown field with a 10-byte varint',
      Buffer.concat([entries(70), Buffer.from([0x50, ...Array<number>(9).fill(0xff), 0x01])]),
      'metadata has 70 keys',
    ],
    // protobuf.js would decode every entry before failing at the end.
    [
      'entries then a cut length',
      Buffer.concat([entries(70), Buffer.from([0x1a, 0x7f])]),
      UNREADABLE,
    ],
    [
      'entries then an empty group',
      Buffer.concat([entries(70), Buffer.from([0x4b, 0x4c])]),
      UNREADABLE,
    ],
    [
      'a varint of 11 bytes',
      Buffer.from([0x50, ...Array<number>(10).fill(0xff), 0x01]),
      UNREADABLE,
    ],
  ])('%s', (_name, bytes, refused) => {
    const m = method('IsActive');
    const request = m.decode(bytes) as ReturnType<typeof ref>;
    expect(m.decodedCount()).toBe(0);
    expect(refusal(request.scalerMetadata)).toContain(refused);
  });

  test('GetMetrics: a large ref followed by a small one counts both (protobuf.js decodes both)', () => {
    const m = method('GetMetrics');
    const refBytes = (n: number): Buffer => {
      const body = entries(n);
      return Buffer.concat([Buffer.from([0x0a]), varint(body.length), body]);
    };
    const request = m.decode(Buffer.concat([refBytes(60), refBytes(10)])) as {
      scaledObjectRef: ReturnType<typeof ref>;
    };
    expect(m.decodedCount()).toBe(0);
    expect(refusal(request.scaledObjectRef.scalerMetadata)).toContain('metadata has 70 keys');
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** One request in three has one byte overwritten: at an index (modulo its length), by a value. */
const requestArb = fc.record({
  count: fc.integer({ min: 0, max: 2 * MAX + 1 }),
  flip: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), weight: 1 },
  ),
});

test('generated requests: whatever the guard decodes is what protobuf.js decodes; the rest is refused', () => {
  const m = method('IsActive');
  fc.assert(
    fc.property(requestArb, ({ count, flip }) => {
      const buf = m.encode(ref(count));
      // Flip a byte now and then: a malformed or changed message is decoded as protobuf.js decodes
      // it, or refused.
      if (flip !== undefined) buf[flip.at % buf.length] = flip.byte;
      let plain: unknown;
      try {
        plain = m.plain(buf);
      } catch {
        plain = 'threw';
      }
      let guarded: ReturnType<typeof ref>;
      try {
        guarded = m.decode(buf) as ReturnType<typeof ref>;
      } catch {
        // Readable to the walk, under the bound, and then refused by protobuf.js itself.
        expect(plain).toBe('threw');
        return;
      }
      const refused = refusal(guarded.scalerMetadata);
      if (Object.keys(guarded.scalerMetadata).length === 0 && refused !== 'accepted') {
        expect(refused).toMatch(/metadata has \d+ keys; at most 64|not a readable/);
      } else {
        expect(guarded).toEqual(plain);
      }
      if (flip === undefined) {
        // Untouched messages: decoded as before at or under the bound, refused by count over it.
        if (count <= MAX) expect(guarded).toEqual(plain);
        else expect(refused).toContain(`metadata has ${count} keys`);
      }
    }),
    // A fixed seed: a failure prints it with the replay path and the smallest request it shrank to.
    { seed: 7, numRuns: 300 },
  );
});
