// Frees what grpc-js keeps of a server stream's request for as long as the stream is open: the
// decoded metadata map and the raw bytes it was decoded from. A stream may stay open for days.
import type * as grpc from '@grpc/grpc-js';
import type { ScaledObjectRef } from '../grpc/messages';

/** The part of grpc-js 1.14's BaseServerInterceptingCall (server-interceptors.js) reached here. */
interface DecoderHolder {
  decoder?: { readPartialMessage?: unknown; readCompressFlag?: unknown };
}

/**
 * Releases the request's metadata map and grpc-js's copy of its bytes, once the trigger is parsed.
 *
 * - grpc-js holds the decoded request in a closure and as `call.request` until the call ends
 *   (server.js handleServerStreaming): the map (up to 262,144 characters) is emptied in place;
 *   name and namespace stay for log lines.
 * - Its StreamDecoder (stream-decoder.js) keeps the DATA frame slices of the last message, and a
 *   view of the chunk it began in, until a next message starts, which never happens on a server
 *   stream: measured 260 kB of external memory per stream with maximal metadata
 *   (bench/stream-memory.ts). Reset to what a fresh decoder holds. When no interceptor wraps the
 *   call, grpc-js hands the handler its base call as `call.call`; another shape is left alone.
 */
export function releaseRequest(call: grpc.ServerWritableStream<ScaledObjectRef, unknown>): void {
  call.request.scalerMetadata = {};
  const decoder = (call as unknown as { call?: DecoderHolder }).call?.decoder;
  if (decoder !== undefined && Array.isArray(decoder.readPartialMessage)) {
    decoder.readPartialMessage = [];
    decoder.readCompressFlag = Buffer.alloc(1);
  }
}
