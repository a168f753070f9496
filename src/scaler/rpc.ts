// Wraps every RPC handler: one exit, nothing escapes, one status mapping, one log line per
// failed call, RPC metrics, and a per-call AbortSignal and deadline.
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { isScalerError, toGrpcStatus } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { ScalerMetrics } from '../telemetry/scaler-metrics';
import type { CallContext } from './evaluate';

export interface RpcDeps {
  logger: Logger;
  metrics: ScalerMetrics;
}

/** Filled by a handler as it learns them, so the failure log line can name them. */
export interface CallFields {
  metric?: string;
  source?: string;
}

export interface HandlerContext extends CallContext {
  fields: CallFields;
}

interface RefLike {
  name?: string;
  namespace?: string;
}

/** grpc-js reports "no deadline" as Infinity; a Date otherwise. */
function deadlineOf(call: { getDeadline(): grpc.Deadline }): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

/** A signal aborted when the client cancels the call (KEDA does on every ScaledObject change). */
function cancellationOf(call: {
  on(event: 'cancelled', listener: () => void): unknown;
  cancelled: boolean;
}): AbortController {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  call.on('cancelled', () => controller.abort());
  return controller;
}

/**
 * The status and log line for a failed call. Bugs are logged with their stack at error level
 * and reach KEDA as INTERNAL with a generic message; expected failures are logged at warn.
 */
export function reportFailure(
  deps: RpcDeps,
  rpc: string,
  ref: RefLike | undefined,
  fields: CallFields,
  error: unknown,
): { code: status; details: string } {
  const st = toGrpcStatus(error);
  const line = {
    rpc,
    namespace: ref?.namespace,
    scaledObject: ref?.name,
    metric: fields.metric,
    source: fields.source ?? (isScalerError(error) ? error.source : undefined),
    code: status[st.code],
  };
  if (st.internal) {
    deps.logger.error({ ...line, err: error }, 'call failed with an internal error');
  } else if (st.code === status.CANCELLED) {
    deps.logger.debug(line, st.details);
  } else {
    deps.logger.warn(line, st.details);
  }
  return { code: st.code, details: st.details };
}

/** Adapts an async handler to grpc-js's callback API. */
export function unary<Req, Res>(
  rpc: string,
  deps: RpcDeps,
  refOf: (req: Req) => RefLike | undefined,
  handler: (req: Req, ctx: HandlerContext) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const endTimer = deps.metrics.grpcDuration.startTimer({ rpc });
    const controller = cancellationOf(call);
    const fields: CallFields = {};
    const finish = (code: status): void => {
      endTimer();
      deps.metrics.grpcCalls.inc({ rpc, code: status[code] });
    };
    const run = async (): Promise<Res> =>
      handler(call.request, { signal: controller.signal, deadlineMs: deadlineOf(call), fields });
    run().then(
      response => {
        finish(status.OK);
        callback(null, response);
      },
      (error: unknown) => {
        const st = reportFailure(deps, rpc, refOf(call.request), fields, error);
        finish(st.code);
        callback(st);
      },
    );
  };
}

/** Adapts a server-streaming handler; the handler owns the stream until it ends or fails. */
export function serverStream<Req, Res>(
  rpc: string,
  deps: RpcDeps,
  refOf: (req: Req) => RefLike | undefined,
  handler: (call: grpc.ServerWritableStream<Req, Res>, ctx: HandlerContext) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return call => {
    const controller = cancellationOf(call);
    const fields: CallFields = {};
    handler(call, { signal: controller.signal, deadlineMs: deadlineOf(call), fields }).catch(
      (error: unknown) => {
        const st = reportFailure(deps, rpc, refOf(call.request), fields, error);
        deps.metrics.grpcCalls.inc({ rpc, code: status[st.code] });
        if (!controller.signal.aborted) call.emit('error', st);
      },
    );
  };
}
