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
 * (field number << 3 | wire type) and its payload; a map is a repeated length-delimited field.
 * proto/externalscaler.proto: ScaledObjectRef { name = 1; namespace = 2; scalerMetadata = 3 }
 * and GetMetricsRequest { scaledObjectRef = 1; metricName = 2 }.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Kubernetes names are at most 253 characters; enough of one to name the caller in a log line. */
const MAX_NAME_BYTES = 253;

/** A varint at `pos`: its value and the position after it; undefined when malformed. */
function readVarint(buf: Buffer, pos: number, end: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  // Seven bytes hold 49 bits: every length and tag below 2^49 (a message is at most 4 MiB).
  for (let i = 0; i < 7 && pos < end; i++) {
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return [value, pos];
    multiplier *= 128;
  }
  return undefined;
}

interface RefScan {
  name: string;
  namespace: string;
  entries: number;
}

/**
 * Walks one ScaledObjectRef in `buf[start, end)`: its name, namespace and number of metadata
 * entries. Undefined when the bytes are malformed: protobuf.js then decodes them and says so.
 */
function scanRef(buf: Buffer, start: number, end: number): RefScan | undefined {
  const out: RefScan = { name: '', namespace: '', entries: 0 };
  const visit = (field: number, from: number, to: number): void => {
    if (field === 3) out.entries++;
    else if (field === 1 || field === 2) {
      const text = buf.toString('utf8', from, Math.min(to, from + MAX_NAME_BYTES));
      if (field === 1) out.name = text;
      else out.namespace = text;
    }
  };
  return walk(buf, start, end, visit) ? out : undefined;
}

/** Calls `visit` for each length-delimited field; false when the bytes are malformed. */
function walk(
  buf: Buffer,
  start: number,
  end: number,
  visit: (field: number, from: number, to: number) => void,
): boolean {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === undefined) return false;
    pos = tag[1];
    const wireType = tag[0] % 8;
    const field = Math.floor(tag[0] / 8);
    if (wireType === WIRE_VARINT) {
      const skipped = readVarint(buf, pos, end);
      if (skipped === undefined) return false;
      pos = skipped[1];
    } else if (wireType === WIRE_FIXED64) {
      pos += 8;
    } else if (wireType === WIRE_FIXED32) {
      pos += 4;
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(buf, pos, end);
      if (length === undefined || length[1] + length[0] > end) return false;
      visit(field, length[1], length[1] + length[0]);
      pos = length[1] + length[0];
    } else {
      return false; // groups (3, 4) and unknown wire types: not in this proto
    }
  }
  return pos === end;
}

/** A request whose map is over the bound: no entry decoded, the count kept for the refusal. */
function refOver(scan: RefScan): ScaledObjectRef {
  return {
    name: scan.name,
    namespace: scan.namespace,
    scalerMetadata: undecodedMetadata(scan.entries),
  };
}

/** ScaledObjectRef requests: IsActive, StreamIsActive, GetMetricSpec. */
function guardRef(decode: grpc.deserialize<unknown>, maxEntries: number) {
  return (buf: Buffer): unknown => {
    const scan = scanRef(buf, 0, buf.length);
    return scan !== undefined && scan.entries > maxEntries ? refOver(scan) : decode(buf);
  };
}

/** GetMetricsRequest: the ref is field 1, metricName field 2. */
function guardMetricsRequest(decode: grpc.deserialize<unknown>, maxEntries: number) {
  return (buf: Buffer): unknown => {
    let scan: RefScan | undefined;
    let metricName = '';
    const wellFormed = walk(buf, 0, buf.length, (field, from, to) => {
      if (field === 1) scan = scanRef(buf, from, to);
      else if (field === 2)
        metricName = buf.toString('utf8', from, Math.min(to, from + MAX_NAME_BYTES));
    });
    if (!wellFormed || scan === undefined || scan.entries <= maxEntries) return decode(buf);
    const request: GetMetricsRequest = { scaledObjectRef: refOver(scan), metricName };
    return request;
  };
}

/**
 * The ExternalScaler service with every request's metadata entries counted before decoding; the
 * metadata bounds (checkMetadataBounds) then refuse an undecoded map with its count, as they
 * refuse a decoded one.
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
