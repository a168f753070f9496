// The RPC wrappers: one exit per call, the one status mapping, one log line per failure, RPC
// metrics, and a call context whose AbortSignal exists only when read.
import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { ScalerError } from '../../../src/errors';
import type { HandlerContext } from '../../../src/scaler/rpc';
import { serverStream, unary } from '../../../src/scaler/rpc';
import type { Logger } from '../../../src/telemetry/logger';
import type { Metrics, RpcMetrics } from '../../../src/telemetry/metrics';
import { NoopMetrics } from '../../../src/telemetry/metrics';

interface Line {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (a: object | string, b?: string): void => {
      lines.push(
        typeof a === 'string'
          ? { level, fields: {}, message: a }
          : { level, fields: a as Record<string, unknown>, message: b ?? '' },
      );
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: () => true,
  };
  return { logger, lines };
}

function recordingMetrics(): { metrics: Metrics; finished: [string, string][] } {
  const finished: [string, string][] = [];
  class Recording extends NoopMetrics {
    override rpc = (rpc: string): RpcMetrics => ({
      finished: (code: string) => void finished.push([rpc, code]),
    });
  }
  return { metrics: new Recording(), finished };
}

interface Request {
  name: string;
  namespace: string;
}

/** A grpc-js call as the wrappers see it: request, deadline, 'cancelled' events. */
class FakeCall extends EventEmitter {
  cancelled = false;
  readonly emitted: unknown[] = [];
  constructor(
    readonly request: Request,
    private readonly deadline: grpc.Deadline = Infinity,
  ) {
    super();
    this.on('error', (e: unknown) => void this.emitted.push(e));
  }
  getDeadline(): grpc.Deadline {
    return this.deadline;
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

const REQUEST = { name: 'checkout', namespace: 'shop' };
const refOf = (r: Request): Request => r;

/** Runs a unary handler through the wrapper; resolves with what the callback got. */
function callUnary<Res>(
  handler: (req: Request, ctx: HandlerContext) => Promise<Res> | Res,
  call = new FakeCall(REQUEST),
): Promise<{
  error: grpc.ServiceError | null;
  response: Res | undefined;
  deps: ReturnType<typeof deps>;
}> {
  const d = deps();
  const wrapped = unary('GetMetrics', d, refOf, handler);
  return new Promise(resolve => {
    wrapped(call as unknown as grpc.ServerUnaryCall<Request, Res>, (error, response) =>
      resolve({
        error: error as grpc.ServiceError | null,
        response: response ?? undefined,
        deps: d,
      }),
    );
  });
}

function deps(): ReturnType<typeof recordingLogger> & ReturnType<typeof recordingMetrics> {
  return { ...recordingLogger(), ...recordingMetrics() };
}

test('a result reaches the callback once, counted as OK, with nothing logged', async () => {
  const { error, response, deps: d } = await callUnary(() => ({ value: 1 }));
  expect(error).toBeNull();
  expect(response).toEqual({ value: 1 });
  expect(d.finished).toEqual([['GetMetrics', 'OK']]);
  expect(d.lines).toEqual([]);
});

test('a value returned at once is answered in the same turn; a promise once it settles', async () => {
  const d = deps();
  const answered: string[] = [];
  const wrapped = unary<Request, { value: number }>('GetMetrics', d, refOf, req =>
    req.name === 'cached' ? { value: 1 } : Promise.resolve({ value: 2 }),
  );
  const call = (name: string): void =>
    wrapped(
      new FakeCall({ ...REQUEST, name }) as unknown as grpc.ServerUnaryCall<
        Request,
        { value: number }
      >,
      (_e, r) => void answered.push(`${name}=${r?.value}`),
    );
  call('cached');
  call('queried');
  expect(answered).toEqual(['cached=1']);
  await Promise.resolve();
  expect(answered).toEqual(['cached=1', 'queried=2']);
  expect(d.finished).toEqual([
    ['GetMetrics', 'OK'],
    ['GetMetrics', 'OK'],
  ]);
});

test('an expected failure maps to its status, logged once at warn with the call named', async () => {
  const { error, deps: d } = await callUnary((_req, ctx) => {
    ctx.fields.metric = 'prom-up';
    throw new ScalerError('invalid_metadata', 'query: is required');
  });
  expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'query: is required' });
  expect(d.finished).toEqual([['GetMetrics', 'INVALID_ARGUMENT']]);
  expect(d.lines).toEqual([
    {
      level: 'warn',
      fields: expect.objectContaining({
        rpc: 'GetMetrics',
        namespace: 'shop',
        scaledObject: 'checkout',
        metric: 'prom-up',
        code: 'INVALID_ARGUMENT',
      }) as unknown,
      message: 'query: is required',
    },
  ]);
});

test('a bug is INTERNAL with a generic message on the wire and the error (stack) in the log', async () => {
  const bug = new TypeError('x is undefined');
  const { error, deps: d } = await callUnary(() => Promise.reject(bug));
  expect(error?.code).toBe(status.INTERNAL);
  expect(error?.details).not.toContain('x is undefined');
  expect(d.lines).toHaveLength(1);
  expect(d.lines[0]?.level).toBe('error');
  expect(d.lines[0]?.fields['err']).toBe(bug);
});

test('a cancelled call is logged at debug, not warn', async () => {
  const { error, deps: d } = await callUnary(() => {
    throw new ScalerError('cancelled', 'the caller went away');
  });
  expect(error?.code).toBe(status.CANCELLED);
  expect(d.lines.map(l => l.level)).toEqual(['debug']);
});

test('an oversized name or namespace is cut short in the log line', async () => {
  const call = new FakeCall({ name: 'n'.repeat(10_000), namespace: 'ü'.repeat(10_000) });
  const { deps: d } = await callUnary(() => {
    throw new ScalerError('unavailable', 'down');
  }, call);
  const fields = d.lines[0]?.fields ?? {};
  expect(String(fields['scaledObject']).length).toBeLessThan(200);
  expect(String(fields['namespace']).length).toBeLessThan(200);
});

test('the deadline comes from the call; "no deadline" is Infinity', async () => {
  const at = new Date(Date.now() + 5000);
  const seen: number[] = [];
  await callUnary((_r, ctx) => void seen.push(ctx.deadlineMs), new FakeCall(REQUEST, at));
  await callUnary((_r, ctx) => void seen.push(ctx.deadlineMs));
  expect(seen).toEqual([at.getTime(), Infinity]);
});

test('the signal is made only when read, aborts on cancel, and lets go when the call is answered', async () => {
  const unread = new FakeCall(REQUEST);
  await callUnary(() => 'cached', unread);
  expect(unread.listenerCount('cancelled')).toBe(0);

  const read = new FakeCall(REQUEST);
  let signal: AbortSignal | undefined;
  let release: () => void = () => undefined;
  const answered = callUnary(async (_r, ctx) => {
    signal = ctx.signal;
    await new Promise<void>(r => (release = r));
    return 'late';
  }, read);
  await Promise.resolve();
  expect(read.listenerCount('cancelled')).toBe(1);
  read.cancel();
  expect(signal?.aborted).toBe(true);
  release();
  await answered;
  expect(read.listenerCount('cancelled')).toBe(0);
});

test('a call already cancelled gives an aborted signal', async () => {
  const call = new FakeCall(REQUEST);
  call.cancelled = true;
  let aborted: boolean | undefined;
  await callUnary((_r, ctx) => void (aborted = ctx.signal.aborted), call);
  expect(aborted).toBe(true);
});

describe('serverStream', () => {
  function open(
    handler: (
      call: grpc.ServerWritableStream<Request, unknown>,
      ctx: HandlerContext,
    ) => Promise<void>,
    call = new FakeCall(REQUEST),
  ): { call: FakeCall; d: ReturnType<typeof deps> } {
    const d = deps();
    serverStream(
      'StreamIsActive',
      d,
      refOf,
      handler,
    )(call as unknown as grpc.ServerWritableStream<Request, unknown>);
    return { call, d };
  }
  const settle = (): Promise<void> => new Promise(r => setImmediate(r));

  test('a handler that throws synchronously ends the stream with the mapped status', async () => {
    const { call, d } = open(() => {
      throw new ScalerError('invalid_metadata', 'threshold: must be a number');
    });
    await settle();
    expect(call.emitted).toEqual([
      expect.objectContaining({ code: status.INVALID_ARGUMENT }) as unknown,
    ]);
    expect(d.finished).toEqual([['StreamIsActive', 'INVALID_ARGUMENT']]);
  });

  test('a failure after the caller left is logged but not written to the closed stream', async () => {
    const { call, d } = open((c, ctx) => {
      void ctx.signal;
      (c as unknown as FakeCall).cancel();
      return Promise.reject(new ScalerError('cancelled', 'the caller went away'));
    });
    await settle();
    expect(call.emitted).toEqual([]);
    expect(d.finished).toEqual([['StreamIsActive', 'CANCELLED']]);
  });
});
