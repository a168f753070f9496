// Counts a request's scalerMetadata entries in its protobuf bytes before protobuf.js decodes them,
// and does not decode a map that has more entries than the metadata bounds allow.
import type * as grpc from '@grpc/grpc-js';
import { DEFAULT_METADATA_BOUNDS, undecodedMetadata } from '../metadata/metadata-bounds';
import type { GetMetricsRequest, ScaledObjectRef } from '../grpc/messages';

/*
 * Why: the message size bound (message-limit.ts) lets through 773 KiB, room for about 84,000
 * one-character entries, and decoding them into an object took 100 to 220 ms of one core before
 * the 64-key rule could refuse them (bench/hostile-transport.ts). Counting the entries' tags is a
 * walk over lengths without decoding a string.
 *
 * Wire format (protobuf.dev/programming-guides/encoding): each field is a varint tag
 * (field number << 3 | wire type) and its payload. proto/externalscaler.proto:
 * ScaledObjectRef { name = 1; namespace = 2; map scalerMetadata = 3 } and
 * GetMetricsRequest { ScaledObjectRef scaledObjectRef = 1; metricName = 2 }.
 *
 * The walk reads what protobuf.js would decode, so that no spelling decodes more than it counts:
 * protobuf.js's generated decoders pick a known field by its number alone and read it as its
 * declared type whatever the wire type says; a message field given twice is decoded twice (the
 * last wins); unknown fields are skipped by wire type. Bytes the walk cannot read (a malformed
 * length, a group, a varint over 10 bytes) are refused here, never handed to protobuf.js, which
 * would decode everything before them first.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** A varint is at most 10 bytes (64 bits). */
const MAX_VARINT_BYTES = 10;

/** Kubernetes names are at most 253 characters; enough of one to name the caller in a log line. */
const MAX_NAME_BYTES = 253;

const UNREADABLE = 'the request is not a readable externalscaler message (protobuf wire format)';

/** A varint at `pos`: its value and the position after it; undefined when malformed. */
function readVarint(buf: Buffer, pos: number, end: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < MAX_VARINT_BYTES && pos < end; i++) {
    const byte = buf[pos++]!;
    // Past 2^53 the value is inexact; it is then a length beyond any message and refused.
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return [value, pos];
    multiplier *= 128;
  }
  return undefined;
}

/**
 * Walks the fields of one message in `buf[start, end)`. A field whose number is in `known` is
 * read as length-delimited, whatever its wire type (as protobuf.js reads a string, map or message
 * field), and passed to `visit`; other fields are skipped by their wire type. False when the bytes
 * cannot be read or `visit` says so.
 */
function walk(
  buf: Buffer,
  start: number,
  end: number,
  known: ReadonlySet<number>,
  visit: (field: number, from: number, to: number) => boolean,
): boolean {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === undefined) return false;
    pos = tag[1];
    const wireType = tag[0] % 8;
    const field = Math.floor(tag[0] / 8);
    if (known.has(field) || wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(buf, pos, end);
      if (length === undefined || length[0] > end - length[1]) return false;
      const from = length[1];
      pos = from + length[0];
      if (known.has(field) && !visit(field, from, pos)) return false;
    } else if (wireType === WIRE_VARINT) {
      const skipped = readVarint(buf, pos, end);
      if (skipped === undefined) return false;
      pos = skipped[1];
    } else if (wireType === WIRE_FIXED64) {
      pos += 8;
    } else if (wireType === WIRE_FIXED32) {
      pos += 4;
    } else {
      return false; // groups (3, 4) and wire types 6 and 7: never in proto3
    }
  }
  return pos === end;
}

interface RefScan {
  name: string;
  namespace: string;
  entries: number;
}

const REF_FIELDS: ReadonlySet<number> = new Set([1, 2, 3]);
const METRICS_REQUEST_FIELDS: ReadonlySet<number> = new Set([1, 2]);

const text = (buf: Buffer, from: number, to: number): string =>
  buf.toString('utf8', from, Math.min(to, from + MAX_NAME_BYTES));

/** One ScaledObjectRef in `buf[start, end)`, its entries added to `into`; false when unreadable. */
function scanRef(buf: Buffer, start: number, end: number, into: RefScan): boolean {
  return walk(buf, start, end, REF_FIELDS, (field, from, to) => {
    if (field === 3) into.entries++;
    else if (field === 1) into.name = text(buf, from, to);
    else into.namespace = text(buf, from, to);
    return true;
  });
}

/** A request whose map is not decoded: over the bound, or unreadable. */
function refNotDecoded(scan: RefScan, readable: boolean): ScaledObjectRef {
  return {
    name: scan.name,
    namespace: scan.namespace,
    scalerMetadata: undecodedMetadata(readable ? scan.entries : { problem: UNREADABLE }),
  };
}

/** ScaledObjectRef requests: IsActive, StreamIsActive, GetMetricSpec, StreamMetricSpec. */
function guardRef(decode: grpc.deserialize<unknown>, maxEntries: number) {
  return (buf: Buffer): unknown => {
    const scan: RefScan = { name: '', namespace: '', entries: 0 };
    const readable = scanRef(buf, 0, buf.length, scan);
    return readable && scan.entries <= maxEntries ? decode(buf) : refNotDecoded(scan, readable);
  };
}

/** GetMetricsRequest: every copy of the ref (field 1) counts, as protobuf.js decodes each. */
function guardMetricsRequest(decode: grpc.deserialize<unknown>, maxEntries: number) {
  return (buf: Buffer): unknown => {
    const scan: RefScan = { name: '', namespace: '', entries: 0 };
    let metricName = '';
    const readable = walk(buf, 0, buf.length, METRICS_REQUEST_FIELDS, (field, from, to) => {
      if (field === 1) return scanRef(buf, from, to, scan);
      metricName = text(buf, from, to);
      return true;
    });
    if (readable && scan.entries <= maxEntries) return decode(buf);
    const request: GetMetricsRequest = {
      scaledObjectRef: refNotDecoded(scan, readable),
      metricName,
    };
    return request;
  };
}

/**
 * The ExternalScaler service with every request's metadata entries counted before decoding; the
 * metadata bounds (checkMetadataBounds) then refuse an undecoded map with its count, as they
 * refuse a decoded one, and unreadable bytes as invalid.
 */
export function guardMetadataEntries(
  service: grpc.ServiceDefinition,
  maxEntries: number = DEFAULT_METADATA_BOUNDS.maxKeys,
): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([method, definition]) => {
      const decode = definition.requestDeserialize as grpc.deserialize<unknown>;
      const requestDeserialize =
        method === 'GetMetrics'
          ? guardMetricsRequest(decode, maxEntries)
          : guardRef(decode, maxEntries);
      return [method, { ...definition, requestDeserialize }];
    }),
  );
}
