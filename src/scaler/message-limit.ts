// The largest request message the gRPC port accepts: exactly what the metadata bounds allow, so
// grpc-js refuses anything larger from the message's 5-byte length prefix, before decoding it.
import { DEFAULT_METADATA_BOUNDS } from '../metadata/metadata-bounds';
import type { MetadataBounds } from '../metadata/metadata-bounds';

/** UTF-8 bytes one UTF-16 code unit can take (a BMP character above U+07FF; a surrogate pair is
 * 4 bytes for 2 units). The metadata bounds count code units (JavaScript string length). */
const UTF8_BYTES_PER_CODE_UNIT = 3;

/**
 * Protobuf framing of one map entry (bytes): the entry's field tag (1) and length varint (3, up to
 * 2 MiB), the key's tag (1) and length (2, up to 16 KiB), the value's tag (1) and length (3).
 * protobuf.dev/programming-guides/encoding (maps are repeated messages of key = 1, value = 2).
 */
const MAP_ENTRY_FRAMING_BYTES = 11;

/**
 * ScaledObjectRef's name and namespace, GetMetricsRequest's metricName and the framing of the
 * outer messages (bytes). Kubernetes names are at most 253 characters (namespaces 63), and KEDA's
 * metric names are built from them (kedacore/keda pkg/scalers/scaler.go GenerateMetricNameWithIndex).
 */
const NAMES_ALLOWANCE_BYTES = 4096;

/** The largest ScaledObjectRef or GetMetricsRequest whose metadata can pass `bounds` (bytes). */
function maxRequestMessageBytes(bounds: MetadataBounds = DEFAULT_METADATA_BOUNDS): number {
  return (
    UTF8_BYTES_PER_CODE_UNIT * bounds.maxTotalLength +
    MAP_ENTRY_FRAMING_BYTES * bounds.maxKeys +
    NAMES_ALLOWANCE_BYTES
  );
}

/** 791,232 bytes (about 773 KiB) at the default bounds; grpc-js's own default is 4 MiB. */
export const MAX_REQUEST_MESSAGE_BYTES = maxRequestMessageBytes();
