// The two server streams: StreamIsActive (subscribed to a shared activation watcher) and
// StreamMetricSpec (the current specs at once, then held open). Both end with OK on shutdown.
import type * as grpc from '@grpc/grpc-js';
import type { GetMetricSpecResponse, IsActiveResponse, ScaledObjectRef } from '../grpc/messages';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import type { WatcherHub } from '../push/watcher-hub';
import type { Metrics } from '../telemetry/metrics';
import { buildMetricSpec } from './metric-spec';
import type { HandlerContext } from './rpc';

/**
 * Open streams, so shutdown can end them with OK (KEDA then retries after 2 s: KEDA
 * external_scaler.go runStreamIsActive).
 */
export class OpenStreams {
  private readonly ends = new Set<() => void>();

  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/**
 * Keeps `call` open until the client cancels (KEDA does on every ScaledObject change) or the
 * server shuts down, then releases whatever `onClose` holds, exactly once.
 */
function holdOpen(
  call: grpc.ServerWritableStream<ScaledObjectRef, unknown>,
  ctx: HandlerContext,
  rpc: string,
  deps: { streams: OpenStreams; metrics: Metrics },
  onClose: () => void,
): void {
  let closed = false;
  deps.metrics.streamOpened(rpc);
  const close = (): void => {
    if (closed) return;
    closed = true;
    unregister();
    onClose();
    deps.metrics.streamClosed(rpc);
  };
  const unregister = deps.streams.add(() => {
    close();
    call.end();
  });
  ctx.signal.addEventListener('abort', close, { once: true });
  if (ctx.signal.aborted) close();
}

/**
 * StreamIsActive: the current state once, then `true` only on inactive → active, from the
 * watcher shared by every stream with the same evaluation. Errors never end the stream.
 */
export function serveStreamIsActive(
  call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>,
  ctx: HandlerContext,
  trigger: ResolvedTrigger,
  deps: { hub: WatcherHub; streams: OpenStreams; metrics: Metrics },
): void {
  const unsubscribe = deps.hub.subscribe(trigger, call.request.namespace, {
    write: active => call.write({ result: active }),
  });
  holdOpen(call, ctx, 'StreamIsActive', deps, unsubscribe);
}

/**
 * StreamMetricSpec (KEDA 2.21): the current specs at once, never an empty list (KEDA #8115).
 * Specs come from the metadata in the request, which cannot change during the stream, so the
 * stream stays open with nothing more to say and GetMetricSpec always answers the same.
 */
export function serveStreamMetricSpec(
  call: grpc.ServerWritableStream<ScaledObjectRef, GetMetricSpecResponse>,
  ctx: HandlerContext,
  trigger: ResolvedTrigger,
  deps: { streams: OpenStreams; metrics: Metrics },
): void {
  call.write({ metricSpecs: [buildMetricSpec(trigger.spec, trigger.metricName)] });
  holdOpen(call, ctx, 'StreamMetricSpec', deps, () => undefined);
}
