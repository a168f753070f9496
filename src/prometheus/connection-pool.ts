// A source's keep-alive connection pool, rebuilt with new TLS material when its files rotate.
import { Pool, ProxyAgent } from 'undici';
import type { HttpDispatcher } from './source-endpoint';

/** Keep-alive idle time (ms): below Prometheus's default idle timeout so we close first. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** PEM text for the client side of TLS; absent parts use Node's defaults. */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Whether the server certificate is verified (false only for insecureSkipVerify). */
  rejectUnauthorized: boolean;
}

export class ConnectionPool {
  private pool: Pool | ProxyAgent | undefined;

  /**
   * @param connections most connections to the origin: the source's query concurrency.
   * @param proxyUrl an HTTP proxy to reach the origin through (CONNECT for https), or undefined.
   */
  constructor(
    private readonly origin: string,
    private readonly connections: number,
    private readonly proxyUrl?: string,
  ) {}

  /**
   * The pool; `tls()` is read on every call (its files may rotate) and a new pool is built when
   * it reports a change, so rotated certificates take effect.
   */
  dispatcher(tls: () => ClientTls & { changed: boolean }): HttpDispatcher {
    const current = tls();
    if (this.pool === undefined || current.changed) {
      const old = this.pool;
      const connect = {
        ...(current.ca !== undefined ? { ca: current.ca } : {}),
        ...(current.cert !== undefined ? { cert: current.cert } : {}),
        ...(current.key !== undefined ? { key: current.key } : {}),
        rejectUnauthorized: current.rejectUnauthorized,
      };
      this.pool =
        this.proxyUrl === undefined
          ? new Pool(this.origin, {
              connections: this.connections,
              keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
              connect,
            })
          : // The source's TLS settings apply to the origin through the tunnel (requestTls).
            new ProxyAgent({
              uri: this.proxyUrl,
              connections: this.connections,
              keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
              requestTls: connect,
            });
      // In-flight requests on the old pool finish; it only stops taking new ones.
      old?.close().catch(() => undefined);
    }
    return this.pool;
  }

  /**
   * Stops taking requests on the current pool and waits for those in flight. The pool is let go
   * before the wait, so a caller that still holds this source (an evicted serverAddress source, a
   * refresh already scheduled) gets a new pool rather than undici's ClientClosedError.
   */
  async close(): Promise<void> {
    const closing = this.pool;
    this.pool = undefined;
    await closing?.close();
  }
}
