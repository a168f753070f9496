// Wraps every RPC handler: one exit, nothing escapes, one status mapping, one log line per
// failed call, RPC metrics, and a per-call AbortSignal and deadline.
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { isScalerError } from '../errors';
import { toGrpcStatus } from './grpc-status';
import { clip } from '../util/echo';
import type { CallContext } from '../core/evaluate';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';

export interface RpcDeps {
  logger: Logger;
  metrics: Metrics;
}

/** Filled by a handler as it learns them, so the failure log line can name them. */
interface CallFields {
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

type Cancellable = {
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
  cancelled: boolean;
};

/**
 * A call's context whose AbortSignal is made only when something reads it: answers from the cache
 * never do, and grpc-js emits 'cancelled' as every stream closes, so an eager signal would be
 * made and aborted on every call (measured: ~6% of the hot path's CPU, bench/hot-path.ts).
 */
class LazyCallContext implements HandlerContext {
  readonly fields: CallFields = {};
  private controller: AbortController | undefined;
  private done = false;
  private readonly onCancelled = (): void => {
    if (!this.done) this.controller?.abort();
  };

  constructor(
    private readonly call: Cancellable,
    readonly deadlineMs: number,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.call.cancelled) this.controller.abort();
      else this.call.on('cancelled', this.onCancelled);
    }
    return this.controller.signal;
  }

  /** The call is answered: a later 'cancelled' means nothing, and the listener goes. */
  finish(): void {
    this.done = true;
    if (this.controller !== undefined) this.call.removeListener('cancelled', this.onCancelled);
  }

  get aborted(): boolean {
    return this.controller?.signal.aborted ?? this.call.cancelled;
  }
}

/**
 * The status and log line for a failed call. Bugs are logged with their stack at error level
 * and reach KEDA as INTERNAL with a generic message; expected failures are logged at warn.
 */
function reportFailure(
  deps: RpcDeps,
  rpc: string,
  ref: RefLike | undefined,
  fields: CallFields,
  error: unknown,
): { code: status; details: string } {
  const st = toGrpcStatus(error);
  const line = {
    rpc,
    // From the request, unchecked: cut short like every echoed value.
    namespace: ref?.namespace === undefined ? undefined : clip(ref.namespace),
    scaledObject: ref?.name === undefined ? undefined : clip(ref.name),
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

/** Whether a handler's result must be waited for. */
function isPromise<T>(value: Promise<T> | T): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * Adapts a handler to grpc-js's callback API. A handler that has its answer at once (a cached
 * value) returns it rather than a promise, and it is sent in the same turn: no microtask.
 */
export function unary<Req, Res>(
  rpc: string,
  deps: RpcDeps,
  refOf: (req: Req) => RefLike | undefined,
  handler: (req: Req, ctx: HandlerContext) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  // Bound once per method, not per call: label hashing per call is measurable.
  const instruments = deps.metrics.rpc(rpc);
  return (call, callback) => {
    const started = performance.now();
    const ctx = new LazyCallContext(call, deadlineOf(call));
    const finish = (code: status): void => {
      ctx.finish();
      instruments.finished(status[code], (performance.now() - started) / 1000);
    };
    const succeed = (response: Res): void => {
      finish(status.OK);
      callback(null, response);
    };
    const fail = (error: unknown): void => {
      const st = reportFailure(deps, rpc, refOf(call.request), ctx.fields, error);
      finish(st.code);
      callback(st);
    };
    let result: Promise<Res> | Res;
    try {
      result = handler(call.request, ctx);
    } catch (error) {
      fail(error);
      return;
    }
    if (isPromise(result)) result.then(succeed, fail);
    else succeed(result);
  };
}

/** Adapts a server-streaming handler; the handler owns the stream until it ends or fails. */
export function serverStream<Req, Res>(
  rpc: string,
  deps: RpcDeps,
  refOf: (req: Req) => RefLike | undefined,
  handler: (call: grpc.ServerWritableStream<Req, Res>, ctx: HandlerContext) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  const instruments = deps.metrics.rpc(rpc);
  return call => {
    const ctx = new LazyCallContext(call, deadlineOf(call));
    // The handler may throw before returning its promise (bad metadata is found synchronously);
    // starting it inside an async function turns that throw into the same rejection.
    const run = async (): Promise<void> => handler(call, ctx);
    run().catch((error: unknown) => {
      const st = reportFailure(deps, rpc, refOf(call.request), ctx.fields, error);
      instruments.finished(status[st.code]);
      if (!ctx.aborted) call.emit('error', st);
    });
  };
}
