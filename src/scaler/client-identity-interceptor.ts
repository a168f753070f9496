// Refuses every call on the gRPC port whose client certificate names no one in
// tls.allowedClientNames, before the call reaches a handler: a certificate the CA signed for
// another service is not KEDA's: only KEDA may call (docs/multi-tenancy.md).
import * as grpc from '@grpc/grpc-js';
import { ScalerError } from '../errors';
import { ClientIdentityCheck } from '../grpc/client-identity';
import { toGrpcStatus } from './grpc-status';
import type { Logger } from '../telemetry/logger';
import { clip, quote } from '../util/echo';

/** One log line per refused identity per this long (ms): a refused client retries every poll. */
const LOG_EVERY_MS = 60_000;
/** Identities remembered for that throttle; the oldest is forgotten beyond this. */
const MAX_REMEMBERED = 256;

export function clientIdentityInterceptor(
  allowedNames: readonly string[],
  logger: Logger,
  now: () => number = Date.now,
): grpc.ServerInterceptor {
  const check = new ClientIdentityCheck(allowedNames);
  const lastLogged = new Map<string, number>();
  const logRefusal = (peer: string, names: string[], reason: string): void => {
    const key = `${reason}\u0000${names.join('\u0000')}`;
    const at = lastLogged.get(key);
    if (at !== undefined && now() - at < LOG_EVERY_MS) return;
    lastLogged.delete(key);
    lastLogged.set(key, now());
    if (lastLogged.size > MAX_REMEMBERED) lastLogged.delete(lastLogged.keys().next().value!);
    logger.warn(
      { peer, clientNames: names.map(n => clip(n)), reason },
      'gRPC call refused: the client certificate names none of tls.allowedClientNames',
    );
  };

  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: next => {
        next({
          onReceiveMetadata: (metadata, pass) => {
            const verdict = check.judge(call.getAuthContext()?.sslPeerCertificate);
            if (verdict.allowed) {
              pass(metadata);
              return;
            }
            logRefusal(call.getPeer(), verdict.names, verdict.reason);
            const shown =
              verdict.names.length === 0
                ? verdict.reason
                : `certificate names ${verdict.names
                    .slice(0, 4)
                    .map(n => quote(n, 80))
                    .join(', ')}`;
            const { code, details } = toGrpcStatus(
              new ScalerError(
                'permission_denied',
                `client not allowed: ${shown}; the server accepts only the names in tls.allowedClientNames`,
              ),
            );
            call.sendStatus({ code, details, metadata: new grpc.Metadata() });
          },
        });
      },
    });
}
