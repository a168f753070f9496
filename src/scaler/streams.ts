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
import { releaseRequest } from './release-request';
import { STREAM_OVERHEAD_BYTES, triggerRetainedBytes } from './stream-bytes';

/** How many streams may be open at once, and the memory they may keep (push.maxStreams,
 * push.maxStreamsPerNamespace, push.maxStreamBytes, push.maxStreamBytesPerNamespace; bytes). */
export interface StreamLimits {
  maxStreams: number;
  maxStreamsPerNamespace: number;
  maxStreamBytes: number;
  maxStreamBytesPerNamespace: number;
}

/** Streams and their estimated bytes in one scope (all, or one namespace). A trigger shared by
 * several streams (the memo hands out one object per metadata map) is charged once. */
class StreamTally {
  count = 0;
  bytes = 0;
  private readonly triggers = new Map<ResolvedTrigger, number>();

  /** Bytes one more stream on `trigger` would add (bytes). */
  cost(trigger: ResolvedTrigger, triggerBytes: number): number {
    return STREAM_OVERHEAD_BYTES + (this.triggers.has(trigger) ? 0 : triggerBytes);
  }

  add(trigger: ResolvedTrigger, triggerBytes: number): void {
    this.bytes += this.cost(trigger, triggerBytes);
    this.count += 1;
    this.triggers.set(trigger, (this.triggers.get(trigger) ?? 0) + 1);
  }

  remove(trigger: ResolvedTrigger, triggerBytes: number): void {
    const left = (this.triggers.get(trigger) ?? 1) - 1;
    if (left === 0) this.triggers.delete(trigger);
    else this.triggers.set(trigger, left);
    this.bytes -= STREAM_OVERHEAD_BYTES + (left === 0 ? triggerBytes : 0);
    this.count -= 1;
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Open streams, bounded in number and in estimated memory, overall and per namespace (each holds
 * a call, its trigger and a watcher for as long as the caller keeps it open), so shutdown can end
 * them with OK (KEDA then retries after 2 s: KEDA external_scaler.go runStreamIsActive).
 */
export class OpenStreams {
  private readonly ends = new Set<() => void>();
  private readonly total = new StreamTally();
  private readonly perNamespace = new Map<string, StreamTally>();

  constructor(private readonly limits: StreamLimits) {}

  /** Estimated memory of the open streams (bytes). */
  get bytes(): number {
    return this.total.bytes;
  }

  /**
   * Registers a stream of `namespace` that keeps `trigger`; the returned function unregisters it.
   * @throws {@link ScalerError} `resource_exhausted` when a bound is full; nothing is registered.
   */
  add(namespace: string, trigger: ResolvedTrigger, end: () => void): () => void {
    const triggerBytes = triggerRetainedBytes(trigger);
    const inNamespace = this.perNamespace.get(namespace) ?? new StreamTally();
    const retry = 'KEDA retries the stream, and polls IsActive meanwhile';
    if (this.total.count >= this.limits.maxStreams) {
      throw new ScalerError(
        'resource_exhausted',
        `${this.total.count} streams are open, the most push.maxStreams allows; ${retry}`,
      );
    }
    if (inNamespace.count >= this.limits.maxStreamsPerNamespace) {
      throw new ScalerError(
        'resource_exhausted',
        `namespace ${quote(namespace)} has ${inNamespace.count} streams open, the most push.maxStreamsPerNamespace allows; ${retry}`,
      );
    }
    const totalCost = this.total.cost(trigger, triggerBytes);
    if (this.total.bytes + totalCost > this.limits.maxStreamBytes) {
      throw new ScalerError(
        'resource_exhausted',
        `open streams keep about ${mib(this.total.bytes)} and this one needs ${Math.ceil(totalCost / 1024)} KiB more, past push.maxStreamBytes (${mib(this.limits.maxStreamBytes)}); ${retry}`,
      );
    }
    const namespaceCost = inNamespace.cost(trigger, triggerBytes);
    if (inNamespace.bytes + namespaceCost > this.limits.maxStreamBytesPerNamespace) {
      throw new ScalerError(
        'resource_exhausted',
        `namespace ${quote(namespace)} has streams keeping about ${mib(inNamespace.bytes)} open and this one needs ${Math.ceil(namespaceCost / 1024)} KiB more, past push.maxStreamBytesPerNamespace (${mib(this.limits.maxStreamBytesPerNamespace)}); ${retry}`,
      );
    }
    this.ends.add(end);
    this.total.add(trigger, triggerBytes);
    inNamespace.add(trigger, triggerBytes);
    this.perNamespace.set(namespace, inNamespace);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.ends.delete(end);
      this.total.remove(trigger, triggerBytes);
      inNamespace.remove(trigger, triggerBytes);
      if (inNamespace.count === 0) this.perNamespace.delete(namespace);
    };
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/**
 * Admits `call` under the stream bounds (count and bytes), runs `open` (what the stream holds),
 * and keeps the call open until the client cancels (KEDA does on every ScaledObject change) or
 * the server shuts down, then releases what `open` returned, exactly once.
 * @throws {@link ScalerError} `resource_exhausted` before `open` runs when a bound is full.
 */
function holdOpen(
  call: grpc.ServerWritableStream<ScaledObjectRef, unknown>,
  trigger: ResolvedTrigger,
  rpc: string,
  deps: { streams: OpenStreams; metrics: Metrics },
  open: () => () => void,
): void {
  releaseRequest(call);
  let closed = false;
  let onClose: () => void = () => undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unregister();
    onClose();
    deps.metrics.streamClosed(rpc);
  };
  const unregister = deps.streams.add(call.request.namespace, trigger, () => {
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
  // The call's own event, not the handler context's AbortSignal: a stream open for days need not
  // keep an AbortController and its listener as well.
  call.once('cancelled', close);
  if (call.cancelled) close();
}

/**
 * StreamIsActive: the current state once, then `true` only on inactive → active, from the
 * watcher shared by every stream with the same evaluation. Errors never end the stream.
 */
export function serveStreamIsActive(
  call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>,
  trigger: ResolvedTrigger,
  deps: { hub: WatcherHub; streams: OpenStreams; metrics: Metrics },
): void {
  holdOpen(call, trigger, 'StreamIsActive', deps, () =>
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
  trigger: ResolvedTrigger,
  deps: { streams: OpenStreams; metrics: Metrics },
): void {
  holdOpen(call, trigger, 'StreamMetricSpec', deps, () => {
    call.write({ metricSpecs: [buildMetricSpec(trigger.spec, trigger.metricName)] });
    return () => undefined;
  });
}
