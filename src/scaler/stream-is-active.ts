// StreamIsActive: the current state once on open, then `true` only on inactive → active.
import type * as grpc from '@grpc/grpc-js';
import type { IsActiveResponse, ScaledObjectRef } from '../grpc/messages';
import type { Logger } from '../telemetry/logger';
import type { CallContext, Evaluator } from './evaluate';
import type { HandlerContext } from './rpc';
import type { ResolvedTrigger } from './resolve-trigger';

/**
 * How often an open stream re-evaluates its trigger (ms). KEDA's default pollingInterval is 30 s;
 * 5 s wakes a sleeping workload six times sooner (shared watchers and a per-trigger key come with
 * the push issue).
 */
export const STREAM_INTERVAL_MS = 5000;

/** Open StreamIsActive calls, so shutdown can end them with OK (KEDA then retries after 2 s). */
export class OpenStreams {
  private readonly ends = new Set<() => void>();

  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  get size(): number {
    return this.ends.size;
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/**
 * Serves one stream until the client cancels or the server shuts down. KEDA ignores `false`
 * (since 2.18) and every `true` postpones its cooldown, so `true` is sent only on a transition
 * (http-add-on #1792); an evaluation error is logged and the stream stays open, because ending it
 * would put KEDA into a reconnect backoff of up to 60 s (keda.md 2.9).
 */
export async function serveStreamIsActive(
  call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>,
  ctx: HandlerContext,
  trigger: ResolvedTrigger,
  deps: { evaluator: Evaluator; logger: Logger; streams: OpenStreams },
): Promise<void> {
  let lastActive: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  const evalController = new AbortController();
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    evalController.abort();
    unregister();
  };
  const unregister = deps.streams.add(() => {
    close();
    call.end();
  });
  ctx.signal.addEventListener('abort', close, { once: true });
  if (ctx.signal.aborted) close();

  const tick = async (): Promise<void> => {
    const evalCtx: CallContext = { signal: evalController.signal, deadlineMs: Infinity };
    try {
      const { active } = await deps.evaluator.evaluate(trigger, evalCtx, call.request.namespace);
      if (closed) return;
      if (lastActive === undefined || (active && !lastActive)) {
        call.write({ result: active });
      }
      lastActive = active;
    } catch (e) {
      if (closed) return;
      deps.logger.warn(
        {
          rpc: 'StreamIsActive',
          namespace: call.request.namespace,
          scaledObject: call.request.name,
          metric: trigger.metricName,
          err: e,
        },
        'stream evaluation failed; the stream stays open',
      );
    }
    if (!closed) timer = setTimeout(() => void tick(), STREAM_INTERVAL_MS);
  };
  await tick();
}
