// One configured Prometheus-compatible source at run time: its connection pool, its headers and
// credentials, with secret and TLS files re-read when they change.
import { Buffer } from 'node:buffer';
import type { SourceConfig } from '../config/schema';
import { ScalerError } from '../errors';
import { ConnectionPool } from '../prometheus/connection-pool';
import type { HttpDispatcher, SourceEndpoint } from '../prometheus/source-endpoint';
import { SecretFile } from './secret-file';

export class Source implements SourceEndpoint {
  readonly name: string;
  readonly origin: string;
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  private readonly pool: ConnectionPool;
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
    this.pool = new ConnectionPool(this.origin, config.maxConcurrentQueries);
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
  dispatcher(): HttpDispatcher {
    return this.pool.dispatcher(() => ({
      ...this.readTls(),
      rejectUnauthorized: !this.config.tls.insecureSkipVerify,
    }));
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
    await this.pool.close();
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
