// Credentials for the gRPC port: plaintext (h2c), TLS, or mTLS when a client CA is configured.
// Certificate files are re-read, so a rotated certificate serves new connections with no
// restart; a bad rotation is refused and the last good files keep serving.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config/schema';

/** How long start() waits for the certificate files to be readable and valid (ms). */
const FIRST_LOAD_TIMEOUT_MS = 10_000;
/**
 * Time a client has to finish the TLS handshake (ms); Node's tls.Server default is 120 s, long
 * enough for idle half-open connections to pile up. KEDA's handshake takes milliseconds.
 */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How often start() retries while the files are not there yet (ms): cert-manager may lag. */
const FIRST_LOAD_RETRY_MS = 250;

type IdentityUpdate = { certificate: Buffer; privateKey: Buffer };
type CaUpdate = { caCertificate: Buffer };

export interface TlsReloadReport {
  /** A file could not be read or the files do not make a usable pair; the old ones serve on. */
  onReloadFailed(files: readonly string[], error: string): void;
}

export interface ServerCredentialsWithReady {
  credentials: grpc.ServerCredentials;
  /** Resolves once the certificate (and client CA) were read: before that, handshakes fail. */
  ready: Promise<void>;
  /** Why the last reload was refused, while the previous files still serve; else undefined. */
  reloadProblem(): string | undefined;
  /** Stops re-reading the files. */
  close(): void;
}

/**
 * Reads a certificate/key pair or a CA bundle every `refreshMs` and hands it to grpc-js only
 * when it is usable: grpc-js's own FileWatcherCertificateProvider passes a mismatched pair, a
 * garbage file or a missing file on, after which every new handshake fails.
 */
class ValidatedFileCertificates implements grpc.experimental.CertificateProvider {
  private identity: IdentityUpdate | undefined;
  private ca: CaUpdate | undefined;
  private readonly identityListeners = new Set<(u: IdentityUpdate | null) => void>();
  private readonly caListeners = new Set<(u: CaUpdate | null) => void>();
  private timer: NodeJS.Timeout | undefined;
  problem: string | undefined;

  constructor(
    private readonly files: { cert: string; key: string } | { ca: string },
    private readonly report: TlsReloadReport,
  ) {}

  get names(): string[] {
    return 'ca' in this.files ? [this.files.ca] : [this.files.cert, this.files.key];
  }

  /** Reads and checks the files; @throws with the reason when they are not usable. */
  async load(): Promise<void> {
    if ('ca' in this.files) {
      const caCertificate = await readFile(this.files.ca);
      new X509Certificate(caCertificate);
      createSecureContext({ ca: caCertificate });
      if (this.ca?.caCertificate.equals(caCertificate) === true) return;
      this.ca = { caCertificate };
      for (const l of this.caListeners) l(this.ca);
    } else {
      const [certificate, privateKey] = await Promise.all([
        readFile(this.files.cert),
        readFile(this.files.key),
      ]);
      // Throws for garbage and for a key that does not belong to the certificate.
      createSecureContext({ cert: certificate, key: privateKey });
      const same =
        this.identity?.certificate.equals(certificate) === true &&
        this.identity.privateKey.equals(privateKey);
      if (same) return;
      this.identity = { certificate, privateKey };
      for (const l of this.identityListeners) l(this.identity);
    }
  }

  /** Re-reads every `refreshMs`; a failure keeps the last good files and is reported. */
  watch(refreshMs: number): void {
    this.timer = setInterval(() => {
      this.load().then(
        () => (this.problem = undefined),
        (e: unknown) => {
          this.problem = `${this.names.join(', ')}: ${(e as Error).message}`;
          this.report.onReloadFailed(this.names, (e as Error).message);
        },
      );
    }, refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  addIdentityCertificateListener(listener: (u: IdentityUpdate | null) => void): void {
    this.identityListeners.add(listener);
    if (this.identity !== undefined) process.nextTick(listener, this.identity);
  }

  removeIdentityCertificateListener(listener: (u: IdentityUpdate | null) => void): void {
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: (u: CaUpdate | null) => void): void {
    this.caListeners.add(listener);
    if (this.ca !== undefined) process.nextTick(listener, this.ca);
  }

  removeCaCertificateListener(listener: (u: CaUpdate | null) => void): void {
    this.caListeners.delete(listener);
  }
}

/** Loads the files, retrying while they are missing or unusable, for FIRST_LOAD_TIMEOUT_MS. */
async function firstLoad(provider: ValidatedFileCertificates): Promise<void> {
  const until = Date.now() + FIRST_LOAD_TIMEOUT_MS;
  for (;;) {
    try {
      await provider.load();
      return;
    } catch (e) {
      if (Date.now() >= until) {
        throw new Error(
          `TLS files not loaded within ${FIRST_LOAD_TIMEOUT_MS}ms: ` +
            `${provider.names.join(', ')}: ${(e as Error).message}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, FIRST_LOAD_RETRY_MS));
    }
  }
}

export function createServerCredentials(
  tls: GrpcTlsConfig | undefined,
  report: TlsReloadReport = { onReloadFailed: () => undefined },
  handshakeTimeoutMs = TLS_HANDSHAKE_TIMEOUT_MS,
): ServerCredentialsWithReady {
  if (tls === undefined) {
    return {
      credentials: grpc.ServerCredentials.createInsecure(),
      ready: Promise.resolve(),
      reloadProblem: () => undefined,
      close: () => undefined,
    };
  }
  const identity = new ValidatedFileCertificates({ cert: tls.certFile, key: tls.keyFile }, report);
  const clientCa =
    tls.clientCaFile === undefined
      ? null
      : new ValidatedFileCertificates({ ca: tls.clientCaFile }, report);
  // grpc-js 1.14 names this function's first parameter "caCertificateProvider", but passes it on
  // as the identity (server certificate) provider; the second one is the CA. The TLS tests pin
  // this order. A client CA means KEDA must present its TriggerAuthentication's tlsClientCert.
  // Node's http2 server negotiates ALPN h2 (required by KEDA's grpc-go) with TLS 1.2 as minimum.
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    identity,
    clientCa,
    clientCa !== null,
  );
  // grpc-js has no channel argument for this; it passes these options to Node's
  // http2.createSecureServer (grpc-js 1.14 server.js createHttp2Server). The TLS handshake test
  // fails if a grpc-js update stops doing so.
  const serverOptions = (credentials as unknown as { serverConstructorOptions?: object })
    .serverConstructorOptions;
  if (serverOptions !== undefined)
    Object.assign(serverOptions, { handshakeTimeout: handshakeTimeoutMs });
  const providers = clientCa === null ? [identity] : [identity, clientCa];
  const ready = Promise.all(providers.map(firstLoad)).then(() => {
    for (const p of providers) p.watch(tls.refreshMs);
  });
  return {
    credentials,
    ready,
    reloadProblem: () => {
      const problems = providers.map(p => p.problem).filter(p => p !== undefined);
      return problems.length === 0 ? undefined : problems.join('; ');
    },
    close: () => providers.forEach(p => p.close()),
  };
}
