// Credentials for the gRPC port: plaintext (h2c), TLS, or mTLS when a client CA is configured.
// Certificate files are watched, so a rotated certificate serves new connections with no restart.
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config/schema';

/** How long start() waits for the certificate files to be read (ms). */
const FIRST_LOAD_TIMEOUT_MS = 10_000;

export interface ServerCredentialsWithReady {
  credentials: grpc.ServerCredentials;
  /** Resolves once the certificate (and client CA) were read: before that, handshakes fail. */
  ready: Promise<void>;
}

export function createServerCredentials(
  tls: GrpcTlsConfig | undefined,
): ServerCredentialsWithReady {
  if (tls === undefined) {
    return { credentials: grpc.ServerCredentials.createInsecure(), ready: Promise.resolve() };
  }
  const identity = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs: tls.refreshMs,
  });
  const clientCa =
    tls.clientCaFile === undefined
      ? null
      : new grpc.experimental.FileWatcherCertificateProvider({
          caCertificateFile: tls.clientCaFile,
          refreshIntervalMs: tls.refreshMs,
        });
  // grpc-js 1.14 names this function's first parameter "caCertificateProvider", but passes it on
  // as the identity (server certificate) provider; the second one is the CA. The TLS tests pin
  // this order. A client CA means KEDA must present its TriggerAuthentication's tlsClientCert.
  // Node's http2 server negotiates ALPN h2 (required by KEDA's grpc-go) with TLS 1.2 as minimum.
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    identity,
    clientCa,
    clientCa !== null,
  );
  const loaded = (subscribe: (done: () => void) => void): Promise<void> =>
    new Promise<void>(resolve => subscribe(resolve));
  const firstLoad = Promise.all([
    loaded(done => {
      const listener = (update: unknown): void => {
        if (update === null) return;
        identity.removeIdentityCertificateListener(listener);
        done();
      };
      identity.addIdentityCertificateListener(listener);
    }),
    clientCa === null
      ? Promise.resolve()
      : loaded(done => {
          const listener = (update: unknown): void => {
            if (update === null) return;
            clientCa.removeCaCertificateListener(listener);
            done();
          };
          clientCa.addCaCertificateListener(listener);
        }),
  ]).then(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`TLS files not loaded within ${FIRST_LOAD_TIMEOUT_MS}ms`)),
      FIRST_LOAD_TIMEOUT_MS,
    );
  });
  const ready = Promise.race([firstLoad, timeout]).finally(() => clearTimeout(timer));
  return { credentials, ready };
}
