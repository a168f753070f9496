// Credentials for the gRPC port: plaintext (h2c), TLS, or mTLS when a client CA is configured.
// Certificate files are watched, so a rotated certificate serves new connections with no restart.
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config/schema';

export function createServerCredentials(tls: GrpcTlsConfig | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
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
  return grpc.experimental.createCertificateProviderServerCredentials(
    identity,
    clientCa,
    clientCa !== null,
  );
}
