// One configured Prometheus-compatible source at run time: its connection pool, its headers and
// credentials, with secret and TLS files re-read when they change.
import { Buffer } from 'node:buffer';
import type { SourceConfig } from '../config/schema';
import { ScalerError } from '../errors';
import { createAuth } from '../prometheus/auth/create-auth';
import type { OutgoingRequest, RequestAuth } from '../prometheus/auth/request-auth';
import { ConnectionPool } from '../prometheus/connection-pool';
import { proxyFor } from '../prometheus/proxy';
import type { HttpDispatcher, SourceEndpoint } from '../prometheus/source-endpoint';
import type { NamespaceRule } from '../util/namespace-rules';
import { quote } from '../util/echo';
import { FIELD_VALUE_RULE, isFieldValue } from '../util/http-fields';
import { MAX_NAMESPACE_LENGTH, namespaceRule } from '../util/namespace-rules';
import { SecretFile } from './secret-file';

export class Source implements SourceEndpoint {
  /**
   * What this source's cache keys, watchers, breaker and limiter are keyed by: its configured
   * name, never its URL, since sources on one URL may differ in tenant header or credentials.
   * Sources admitted by allowedServerAddresses share their pattern's name but not their identity.
   */
  readonly id: string;
  readonly name: string;
  readonly origin: string;
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  /** Which namespaces may use this source, and what that rule is called in a refusal. */
  private readonly access: { rule: NamespaceRule; origin: string };
  private readonly pool: ConnectionPool;
  private readonly token: SecretFile | undefined;
  private readonly password: SecretFile | undefined;
  /** headerFiles: lower-case header name → the file its value is read from. */
  private readonly headerFiles: ReadonlyMap<string, SecretFile>;
  private readonly tlsFiles: { ca?: SecretFile; cert?: SecretFile; key?: SecretFile };
  private readonly auth: RequestAuth | undefined;
  private readonly authFiles = new Map<string, SecretFile>();
  /** The configured static header names, lower case: what ownsHeader answers without I/O. */
  private readonly staticHeaderNames: ReadonlySet<string>;

  constructor(
    private readonly config: SourceConfig,
    id: string = config.name,
    access?: { rule: NamespaceRule; origin: string },
  ) {
    const url = new URL(config.url);
    this.id = id;
    this.name = config.name;
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.defaultTimeoutMs = config.timeoutMs;
    this.maxConcurrentQueries = config.maxConcurrentQueries;
    this.access = access ?? {
      rule: namespaceRule(config.namespaces),
      origin: `source "${config.name}" (its namespaces)`,
    };
    this.pool = new ConnectionPool(
      this.origin,
      config.maxConcurrentQueries,
      proxyFor(url.origin, config),
    );
    this.auth = createAuth(config.name, config.auth, path => this.authFile(path).read(), config);
    this.token = config.bearerTokenFile ? new SecretFile(config.bearerTokenFile) : undefined;
    this.password = config.basicAuth ? new SecretFile(config.basicAuth.passwordFile) : undefined;
    this.headerFiles = new Map(
      Object.entries(config.headerFiles).map(([k, file]) => [
        k.toLowerCase(),
        new SecretFile(file),
      ]),
    );
    this.staticHeaderNames = new Set([
      ...Object.keys(config.headers).map(k => k.toLowerCase()),
      ...this.headerFiles.keys(),
    ]);
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

  /**
   * Refuses a call from a namespace this source is not for: credentials and tenant headers on a
   * source are as namespaced as KEDA's TriggerAuthentication. Checked on every call.
   * @throws {@link ScalerError} `permission_denied` naming the rule, the namespace and the list.
   */
  checkNamespace(namespace: string): void {
    if (this.access.rule.allows(namespace)) return;
    throw new ScalerError(
      'permission_denied',
      `namespace ${quote(namespace, MAX_NAMESPACE_LENGTH)} may not use ${this.access.origin}: allowed ` +
        `namespaces are ${this.access.rule.describe()}`,
      { source: this.name },
    );
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
      for (const [name, file] of this.headerFiles) out[name] = file.read();
    } catch (e) {
      throw this.secretError(e);
    }
    for (const [name, file] of this.headerFiles) {
      // undici would refuse it mid-request; say which header and file, never the content.
      if (!isFieldValue(out[name]!)) {
        throw new ScalerError(
          'unavailable',
          `source "${this.name}": headerFiles.${name}: the content of ${quote(file.path)} is not a valid header value (${FIELD_VALUE_RULE})`,
          { source: this.name },
        );
      }
    }
    return out;
  }

  ownsHeader(name: string): boolean {
    if (this.staticHeaderNames.has(name)) return true;
    if (name === 'authorization') {
      return this.token !== undefined || this.password !== undefined || this.auth !== undefined;
    }
    // SigV4 signs with x-amz-date, x-amz-security-token and x-amz-content-sha256.
    return name.startsWith('x-amz-') && this.config.auth?.sigv4 !== undefined;
  }

  authorize(request: OutgoingRequest, signal: AbortSignal): Promise<Record<string, string>> {
    return this.auth === undefined ? Promise.resolve({}) : this.auth.authorize(request, signal);
  }

  /**
   * Every secret this source sends or holds, in its current value (re-read when a secret file
   * changes): tokens, passwords and their encoded forms, static header values, auth client
   * secrets and the tokens fetched with them. Text the source sends back is redacted of them.
   * Never throws.
   */
  secretValues(): readonly string[] {
    const values = Object.values(this.config.headers);
    const read = (file: SecretFile): string | undefined => {
      try {
        return file.read();
      } catch {
        return undefined; // headers() reports the unreadable file; nothing of it was sent
      }
    };
    const token = this.token === undefined ? undefined : read(this.token);
    if (token !== undefined) values.push(token, `Bearer ${token}`);
    const password = this.password === undefined ? undefined : read(this.password);
    if (password !== undefined && this.config.basicAuth !== undefined) {
      const pair = `${this.config.basicAuth.username}:${password}`;
      values.push(password, pair, Buffer.from(pair).toString('base64'));
    }
    for (const file of this.headerFiles.values()) {
      const value = read(file);
      if (value === undefined) continue;
      // `Token abc…`: an upstream may echo the credential without its scheme, as with Bearer.
      const credential = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ +(\S.*)$/.exec(value)?.[1];
      values.push(value, ...(credential === undefined ? [] : [credential]));
    }
    for (const file of this.authFiles.values()) {
      const secret = read(file);
      if (secret !== undefined) values.push(secret);
    }
    values.push(...(this.auth?.secretValues() ?? []));
    return [...new Set(values.filter(s => s !== ''))];
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

  private authFile(path: string): SecretFile {
    let file = this.authFiles.get(path);
    if (file === undefined) {
      file = new SecretFile(path);
      this.authFiles.set(path, file);
    }
    return file;
  }

  /**
   * A missing secret file is an operator problem; say which source and which file (its path is
   * configuration, node:fs names it in the error), never what was in it.
   */
  private secretError(cause: unknown): ScalerError {
    const fsError = cause as NodeJS.ErrnoException | undefined;
    const which =
      typeof fsError?.path === 'string' ? `: ${fsError.path} (${fsError.code ?? 'error'})` : '';
    return new ScalerError(
      'unavailable',
      `source "${this.name}": a credential or TLS file configured for it cannot be read${which}`,
      { cause, source: this.name },
    );
  }
}
