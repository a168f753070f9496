// The two server streams: StreamIsActive (subscribed to a shared activation watcher) and
// StreamMetricSpec (the current specs at once, then held open). Both end with OK on shutdown.
import type * as grpc from '@grpc/grpc-js';
import type { GetMetricSpecResponse, IsActiveResponse, ScaledObjectRef } from '../grpc/messages';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import type { WatcherHub } from '../push/watcher-hub';
import type { Metrics } from '../telemetry/metrics';
import { ScalerError } from '../errors';
import { quote } from '../util/echo';
import { buildMetricSpec } from './metric-spec';
import type { HandlerContext } from './rpc';

/** How many streams may be open at once (push.maxStreams, push.maxStreamsPerNamespace). */
export interface StreamLimits {
  maxStreams: number;
  maxStreamsPerNamespace: number;
}

/**
 * Open streams, bounded in number overall and per namespace (each holds a watcher and heap for as
 * long as the caller keeps it open), so shutdown can end them with OK (KEDA then retries after
 * 2 s: KEDA external_scaler.go runStreamIsActive).
 */
export class OpenStreams {
  private readonly ends = new Set<() => void>();
  private readonly perNamespace = new Map<string, number>();

  constructor(private readonly limits: StreamLimits) {}

  /**
   * Registers a stream of `namespace`; the returned function unregisters it.
   * @throws {@link ScalerError} `resource_exhausted` when a bound is full; nothing is registered.
   */
  add(namespace: string, end: () => void): () => void {
    const inNamespace = this.perNamespace.get(namespace) ?? 0;
    if (this.ends.size >= this.limits.maxStreams) {
      throw new ScalerError(
        'resource_exhausted',
        `${this.ends.size} streams are open, the most push.maxStreams allows; KEDA retries the stream, and polls IsActive meanwhile`,
      );
    }
    if (inNamespace >= this.limits.maxStreamsPerNamespace) {
      throw new ScalerError(
        'resource_exhausted',
        `namespace ${quote(namespace)} has ${inNamespace} streams open, the most push.maxStreamsPerNamespace allows; KEDA retries the stream, and polls IsActive meanwhile`,
      );
    }
    this.ends.add(end);
    this.perNamespace.set(namespace, inNamespace + 1);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.ends.delete(end);
      const left = (this.perNamespace.get(namespace) ?? 1) - 1;
      if (left === 0) this.perNamespace.delete(namespace);
      else this.perNamespace.set(namespace, left);
    };
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/**
 * Admits `call` under the stream bounds, runs `open` (what the stream holds), and keeps the call
 * open until the client cancels (KEDA does on every ScaledObject change) or the server shuts
 * down, then releases what `open` returned, exactly once.
 * @throws {@link ScalerError} `resource_exhausted` before `open` runs when a bound is full.
 */
function holdOpen(
  call: grpc.ServerWritableStream<ScaledObjectRef, unknown>,
  ctx: HandlerContext,
  rpc: string,
  deps: { streams: OpenStreams; metrics: Metrics },
  open: () => () => void,
): void {
  let closed = false;
  let onClose: () => void = () => undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unregister();
    onClose();
    deps.metrics.streamClosed(rpc);
  };
  const unregister = deps.streams.add(call.request.namespace, () => {
    close();
    call.end();
  });
  deps.metrics.streamOpened(rpc);
  try {
    onClose = open();
  } catch (e) {
    close();
    throw e;
  }
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
  holdOpen(call, ctx, 'StreamIsActive', deps, () =>
    deps.hub.subscribe(trigger, call.request.namespace, {
      write: active => call.write({ result: active }),
    }),
  );
}

/**
 * StreamMetricSpec (KEDA main, #7794; in no release as of v2.20.2): the current specs at once, never an empty list (KEDA #8115).
 * Specs come from the metadata in the request, which cannot change during the stream, so the
 * stream stays open with nothing more to say and GetMetricSpec always answers the same.
 */
export function serveStreamMetricSpec(
  call: grpc.ServerWritableStream<ScaledObjectRef, GetMetricSpecResponse>,
  ctx: HandlerContext,
  trigger: ResolvedTrigger,
  deps: { streams: OpenStreams; metrics: Metrics },
): void {
  holdOpen(call, ctx, 'StreamMetricSpec', deps, () => {
    call.write({ metricSpecs: [buildMetricSpec(trigger.spec, trigger.metricName)] });
    return () => undefined;
  });
}
