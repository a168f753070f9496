// The one mapping from anything thrown to a gRPC status: the edge's reading of the protocol-neutral
// error kinds of src/errors.ts (connect-es keeps its Code neutral and maps it per protocol the same way).
import { status } from '@grpc/grpc-js';
import type { ScalerErrorKind } from '../errors';
import { isScalerError } from '../errors';
import { capMessage } from '../util/echo';

/** The status KEDA sees for each kind (the "Errors" table of the docs documents the same rows). */
const STATUS_BY_KIND: Record<ScalerErrorKind, status> = {
  invalid_metadata: status.INVALID_ARGUMENT,
  permission_denied: status.PERMISSION_DENIED,
  bad_query: status.INVALID_ARGUMENT,
  no_data: status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  cancelled: status.CANCELLED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
};

/** What goes on the wire for a failed call. */
export interface GrpcStatusError {
  code: status;
  details: string;
  /** True when the error is a bug: the log gets the stack, the wire a generic message. */
  internal: boolean;
}

/** The name of a gRPC status code as grpc-js spells it ("INVALID_ARGUMENT"), for messages. */
export function grpcStatusName(code: status): string {
  return status[code];
}

/**
 * A `ScalerError` keeps its message; anything else is a bug and becomes INTERNAL with a generic
 * message, so internal addresses or stack traces never reach KEDA.
 */
export function toGrpcStatus(e: unknown): GrpcStatusError {
  if (isScalerError(e)) {
    // Capped again for an error from another copy of the errors module (the brand check admits it).
    return { code: STATUS_BY_KIND[e.kind], details: capMessage(e.message), internal: false };
  }
  return {
    code: status.INTERNAL,
    details: 'internal error in keda-prometheus-scaler; see the scaler log',
    internal: true,
  };
}
