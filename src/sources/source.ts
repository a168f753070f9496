// One configured Prometheus-compatible source at run time: its keep-alive connection pool, its
// headers and credentials, with secret and TLS files re-read when they change.
import { Buffer } from 'node:buffer';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { SourceConfig } from '../config/schema';
import { ScalerError } from '../errors';
import { SecretFile } from './secret-file';

/** What the Prometheus client needs from a source. Tests implement it with an undici MockAgent. */
export interface SourceEndpoint {
  readonly name: string;
  /** scheme://host:port */
  readonly origin: string;
  /** Path prefix before /api/v1/query, '' for a plain Prometheus. */
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  dispatcher(): Dispatcher;
  /** Static headers and credentials, lower-case names. Wins over trigger customHeaders. */
  headers(): Record<string, string>;
}

/** Keep-alive idle time (ms): below Prometheus's default idle timeout so we close first. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export class Source implements SourceEndpoint {
  readonly name: string;
  readonly origin: string;
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  private pool: Pool | undefined;
  private readonly token: SecretFile | undefined;
  private readonly password: SecretFile | undefined;
  private readonly tlsFiles: { ca?: SecretFile; cert?: SecretFile; key?: SecretFile };

  constructor(private readonly config: SourceConfig) {
    const url = new URL(config.url);
    this.name = config.name;
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.defaultTimeoutMs = config.timeoutMs;
    this.maxConcurrentQueries = config.maxConcurrentQueries;
    this.token = config.bearerTokenFile ? new SecretFile(config.bearerTokenFile) : undefined;
    this.password = config.basicAuth ? new SecretFile(config.basicAuth.passwordFile) : undefined;
    const tls = config.tls;
    this.tlsFiles = {
      ...(tls.caFile ? { ca: new SecretFile(tls.caFile) } : {}),
      ...(tls.certFile ? { cert: new SecretFile(tls.certFile) } : {}),
      ...(tls.keyFile ? { key: new SecretFile(tls.keyFile) } : {}),
    };
  }

  /** The URL this source was configured with (never sent to KEDA). */
  get url(): string {
    return this.config.url;
  }

  /** The pool, rebuilt when a TLS file changed so that rotated certificates take effect. */
  dispatcher(): Dispatcher {
    const tls = this.readTls();
    if (this.pool === undefined || tls.changed) {
      const old = this.pool;
      this.pool = new Pool(this.origin, {
        connections: this.config.maxConcurrentQueries,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        connect: {
          ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
          ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
          ...(tls.key !== undefined ? { key: tls.key } : {}),
          rejectUnauthorized: !this.config.tls.insecureSkipVerify,
        },
      });
      // In-flight requests on the old pool finish; it only stops taking new ones.
      old?.close().catch(() => undefined);
    }
    return this.pool;
  }

  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.config.headers)) out[k.toLowerCase()] = v;
    try {
      if (this.token !== undefined) {
        out['authorization'] = `Bearer ${this.token.read()}`;
      } else if (this.config.basicAuth !== undefined && this.password !== undefined) {
        const pair = `${this.config.basicAuth.username}:${this.password.read()}`;
        out['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
      }
    } catch (e) {
      throw this.secretError(e);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  private readTls(): { ca?: string; cert?: string; key?: string; changed: boolean } {
    try {
      let changed = false;
      const out: { ca?: string; cert?: string; key?: string } = {};
      for (const part of ['ca', 'cert', 'key'] as const) {
        const file = this.tlsFiles[part];
        if (file === undefined) continue;
        const r = file.readWithChange();
        out[part] = r.content;
        changed ||= r.changed;
      }
      return { ...out, changed };
    } catch (e) {
      throw this.secretError(e);
    }
  }

  /** A missing secret file is an operator problem; say which source, not what was in it. */
  private secretError(cause: unknown): ScalerError {
    return new ScalerError(
      'unavailable',
      `source "${this.name}": a credential or TLS file configured for it cannot be read`,
      { cause, source: this.name },
    );
  }
}
