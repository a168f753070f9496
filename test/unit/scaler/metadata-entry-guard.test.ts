// The gRPC edge counts metadata entries in the encoded request: a map over the bound is never
// handed to protobuf.js, and everything else decodes exactly as it would without the guard.
import type * as grpc from '@grpc/grpc-js';
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

test('bytes the walk cannot read go to protobuf.js, which decides', () => {
  const m = method('IsActive');
  const valid = m.encode(ref(70));
  // Cut in the middle of an entry: the walk stops; the real decoder reports the error.
  const truncated = valid.subarray(0, valid.length - 3);
  expect(() => m.plain(truncated)).toThrow();
  expect(() => m.decode(truncated)).toThrow();
  expect(m.decodedCount()).toBe(1);
  // A group wire type (3), which this proto never has.
  const group = Buffer.from([0x1b, 0x1c]);
  let plainError = '';
  try {
    m.plain(group);
  } catch (e) {
    plainError = (e as Error).message;
  }
  let guardedError = '';
  try {
    m.decode(group);
  } catch (e) {
    guardedError = (e as Error).message;
  }
  expect(guardedError).toBe(plainError);
});

test('seeded random requests: the guard decodes exactly what protobuf.js decodes, or refuses by count', () => {
  const m = method('IsActive');
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const entries = random(130);
    const buf = m.encode(ref(entries));
    // Flip a byte now and then: malformed or changed messages must behave as without the guard.
    if (random(3) === 0) buf[random(buf.length)] = random(256);
    let plain: unknown;
    let plainThrew = false;
    try {
      plain = m.plain(buf);
    } catch {
      plainThrew = true;
    }
    let guarded: unknown;
    let guardedThrew = false;
    try {
      guarded = m.decode(buf);
    } catch {
      guardedThrew = true;
    }
    const standIn =
      !guardedThrew && refusal((guarded as ReturnType<typeof ref>).scalerMetadata) !== 'accepted';
    if (standIn && Object.keys((guarded as ReturnType<typeof ref>).scalerMetadata).length === 0) {
      // Refused by count without decoding: whatever protobuf.js made of it (a map over the bound,
      // or an error deep inside an entry), the request is refused.
      expect(refusal((guarded as ReturnType<typeof ref>).scalerMetadata)).toMatch(
        new RegExp(`metadata has \\d+ keys; at most ${MAX} are allowed`),
      );
      if (!plainThrew)
        expect(refusal((plain as ReturnType<typeof ref>).scalerMetadata)).not.toBe('accepted');
    } else {
      expect([guardedThrew, guarded]).toEqual([plainThrew, plain]);
    }
  }
});
