// Closed-loop load over several grpc-js channels, and percentile helpers.
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export class Channels {
  private readonly clients: grpc.Client[];
  private next = 0;

  constructor(target: string, count: number) {
    const { clientConstructor } = loadExternalScalerPackage();
    // A local subchannel pool per client gives each its own HTTP/2 connection (grpc-js option
    // grpc.use_local_subchannel_pool).
    this.clients = Array.from(
      { length: count },
      () =>
        new clientConstructor(target, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
    );
  }

  call<T>(method: string, req: unknown, deadlineMs?: number): Promise<T> {
    const client = this.clients[this.next++ % this.clients.length] as grpc.Client;
    const fn = (
      client as unknown as Record<
        string,
        (req: unknown, md: grpc.Metadata, o: grpc.CallOptions, cb: Parameters<Unary>[1]) => void
      >
    )[method];
    if (fn === undefined) return Promise.reject(new Error(`no method ${method}`));
    const options: grpc.CallOptions =
      deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    return new Promise((resolve, reject) =>
      fn.call(client, req, new grpc.Metadata(), options, (err, res) =>
        err ? reject(err) : resolve(res as T),
      ),
    );
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Runs `concurrency` workers that each keep one call in flight for `durationMs`. */
export async function closedLoop(
  durationMs: number,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<{ calls: number; errors: number }> {
  const end = Date.now() + durationMs;
  let calls = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        try {
          await call();
        } catch {
          errors++;
        }
        calls++;
      }
    }),
  );
  return { calls, errors };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
