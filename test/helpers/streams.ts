// Reading server streams in tests: every message with its arrival time, and waiting for a condition.
import type { ClientReadableStream, StatusObject } from '@grpc/grpc-js';

export interface RecordedStream {
  messages: { result: boolean; at: number }[];
  ended: Promise<StatusObject>;
}

/** Records every message of a StreamIsActive stream with the time it arrived. */
export function record(stream: ClientReadableStream<unknown>): RecordedStream {
  const messages: { result: boolean; at: number }[] = [];
  stream.on('data', (m: { result: boolean }) =>
    messages.push({ result: m.result, at: Date.now() }),
  );
  stream.on('error', () => undefined);
  return { messages, ended: new Promise(r => stream.on('status', r)) };
}

/** Polls `check` every 20 ms; throws when it is still false after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`);
    await new Promise(r => setTimeout(r, 20));
  }
}
