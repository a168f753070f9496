// The two server streams: StreamIsActive (subscribed to a shared activation watcher) and
// StreamMetricSpec (the current specs at once, then held open). Both end with OK on shutdown.
import type * as grpc from '@grpc/grpc-js';
import type { GetMetricSpecResponse, IsActiveResponse, ScaledObjectRef } from '../grpc/messages';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import type { StreamSink, WatcherHub } from '../push/watcher-hub';
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

/** What {@link OpenStreams} keeps of one stream: its namespace, its trigger, and how to end it. */
export interface HeldStream {
  readonly namespace: string;
  readonly trigger: ResolvedTrigger;
  /** Its trigger's estimated bytes, fixed when it was admitted. */
  triggerBytes: number;
  /** Ends the stream with OK (server shutdown). */
  end(): void;
}

/**
 * Open streams, bounded in number and in estimated memory, overall and per namespace (each holds
 * a call, its trigger and a watcher for as long as the caller keeps it open), so shutdown can end
 * them with OK (KEDA then retries after 2 s: KEDA external_scaler.go runStreamIsActive).
 */
export class OpenStreams {
  private readonly held = new Set<HeldStream>();
  private readonly total = new StreamTally();
  private readonly perNamespace = new Map<string, StreamTally>();

  constructor(private readonly limits: StreamLimits) {}

  /** Estimated memory of the open streams (bytes). */
  get bytes(): number {
    return this.total.bytes;
  }

  /**
   * Registers `stream` (its namespace keeping its trigger); {@link remove} unregisters it.
   * @throws {@link ScalerError} `resource_exhausted` when a bound is full; nothing is registered.
   */
  add(stream: HeldStream): void {
    const { namespace, trigger } = stream;
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
    stream.triggerBytes = triggerBytes;
    this.held.add(stream);
    this.total.add(trigger, triggerBytes);
    inNamespace.add(trigger, triggerBytes);
    this.perNamespace.set(namespace, inNamespace);
  }

  /** Unregisters a stream {@link add} admitted; a second call, or one never admitted, does nothing. */
  remove(stream: HeldStream): void {
    if (!this.held.delete(stream)) return;
    const { namespace, trigger, triggerBytes } = stream;
    this.total.remove(trigger, triggerBytes);
    const inNamespace = this.perNamespace.get(namespace);
    if (inNamespace === undefined) return;
    inNamespace.remove(trigger, triggerBytes);
    if (inNamespace.count === 0) this.perNamespace.delete(namespace);
  }

  endAll(): void {
    for (const stream of [...this.held]) stream.end();
  }
}

/**
 * One open server stream, admitted under the stream bounds (count and bytes) and kept open until
 * the client cancels (KEDA does on every ScaledObject change) or the server shuts down; then what
 * it holds is released, exactly once. One object per stream, which is also its watcher's sink,
 * rather than a closure for each of those parts: the server keeps one per open stream
 * (bench/stream-memory.ts).
 */
class ServerStream<Res> implements HeldStream, StreamSink {
  readonly namespace: string;
  triggerBytes = 0;
  private closed = false;
  /** What the stream holds (its watcher subscription), released on close. */
  private release: (() => void) | undefined;
  /** The call's own event, not the handler context's AbortSignal: a stream open for days need
   * not keep an AbortController and its listener as well. */
  private readonly onCancelled = (): void => this.close();

  constructor(
    private readonly call: grpc.ServerWritableStream<ScaledObjectRef, Res>,
    readonly trigger: ResolvedTrigger,
    private readonly rpc: string,
    private readonly deps: { streams: OpenStreams; metrics: Metrics },
    private readonly message: (active: boolean) => Res,
  ) {
    this.namespace = call.request.namespace;
  }

  /**
   * Admits the stream and runs `open` (what the stream holds; undefined when it holds nothing).
   * @throws {@link ScalerError} `resource_exhausted` before `open` runs when a bound is full.
   */
  hold(open: (stream: this) => (() => void) | undefined): void {
    releaseRequest(this.call);
    this.deps.streams.add(this);
    this.deps.metrics.streamOpened(this.rpc);
    try {
      this.release = open(this);
    } catch (e) {
      this.close();
      throw e;
    }
    // 'on', not 'once': grpc-js emits 'cancelled' once per call and close() is idempotent, so
    // the listener needs no once-wrapper of its own.
    this.call.on('cancelled', this.onCancelled);
    if (this.call.cancelled) this.close();
  }

  write(active: boolean): void {
    this.call.write(this.message(active));
  }

  end(): void {
    this.close();
    this.call.end();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.streams.remove(this);
    this.release?.();
    this.deps.metrics.streamClosed(this.rpc);
  }
}

/** One module-level function, so no stream keeps a closure for its message. */
const toIsActiveResponse = (active: boolean): IsActiveResponse => ({ result: active });

/** StreamMetricSpec sends its one message itself and has no watcher to write. */
const noMessage = (): GetMetricSpecResponse => {
  throw new Error('StreamMetricSpec has no watcher messages');
};

/**
 * StreamIsActive: the current state once, then `true` only on inactive → active, from the
 * watcher shared by every stream with the same evaluation. Errors never end the stream.
 */
export function serveStreamIsActive(
  call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>,
  trigger: ResolvedTrigger,
  deps: { hub: WatcherHub; streams: OpenStreams; metrics: Metrics },
): void {
  new ServerStream(call, trigger, 'StreamIsActive', deps, toIsActiveResponse).hold(stream =>
    deps.hub.subscribe(trigger, stream.namespace, stream),
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
  new ServerStream(call, trigger, 'StreamMetricSpec', deps, noMessage).hold(() => {
    call.write({ metricSpecs: [buildMetricSpec(trigger.spec, trigger.metricName)] });
    return undefined;
  });
}
