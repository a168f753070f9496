// OAuth2 client credentials (RFC 6749 section 4.4): a token from the token endpoint, sent as a
// bearer token, cached until shortly before it expires.
import type { Dispatcher } from 'undici';
import { ProxyAgent, request } from 'undici';
import { ScalerError } from '../../errors';
import type { ProxySettings } from '../proxy';
import { proxyFor } from '../proxy';
import { describeNetworkError } from '../query-client';
import { readAtMost } from '../read-body';
import type { AuthSettings, ReadSecret, RequestAuth } from './request-auth';
import type { Token } from './token-cache';
import { TokenCache } from './token-cache';

type OAuth2Settings = NonNullable<AuthSettings['oauth2']>;

/** A token endpoint slower than this is down; queries wait for at most their own timeout. */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** A token answer without expires_in is fetched again after this long (RFC 6749 5.1: optional). */
const DEFAULT_LIFETIME_S = 300;
/** The `error` values of RFC 6749 section 5.2 (token endpoint) and 4.1.2.1. */
const OAUTH2_ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
]);
/** Token answers are small; a larger body is not a token answer and is not read further. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export class OAuth2Auth implements RequestAuth {
  private readonly cache: TokenCache;
  private secret = '';
  /** The proxy the token endpoint is reached through, by the source's rules; built once. */
  private readonly dispatcher: Dispatcher | undefined;

  /**
   * @param proxy the source's proxy settings: the token endpoint goes through the same proxy as
   * the queries (unless its host is in noProxy), else through HTTPS_PROXY / NO_PROXY.
   */
  constructor(
    private readonly sourceName: string,
    private readonly settings: OAuth2Settings,
    private readonly readSecret: ReadSecret,
    proxy: ProxySettings = { noProxy: [] },
    now: () => number = Date.now,
  ) {
    this.cache = new TokenCache(() => this.fetchToken(now), now);
    const proxyUrl = proxyFor(settings.tokenUrl, proxy);
    this.dispatcher = proxyUrl === undefined ? undefined : new ProxyAgent(proxyUrl);
  }

  async authorize(_request: unknown, signal: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.cache.get(signal)}` };
  }

  secretValues(): string[] {
    return [this.secret, ...this.cache.tokens()].filter(s => s !== '');
  }

  private async fetchToken(now: () => number): Promise<Token> {
    try {
      this.secret = this.readSecret(this.settings.clientSecretFile);
    } catch (e) {
      throw this.fail('the clientSecretFile cannot be read', e);
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.settings.scopes.length > 0) form.set('scope', this.settings.scopes.join(' '));
    for (const [k, v] of Object.entries(this.settings.endpointParams)) form.append(k, v);
    // client_secret_basic (RFC 6749 2.3.1): both parts form-encoded, then base64.
    const basic = Buffer.from(
      `${encodeURIComponent(this.settings.clientId)}:${encodeURIComponent(this.secret)}`,
    ).toString('base64');
    let status: number;
    let text: string | undefined;
    try {
      const res = await request(this.settings.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
        ...(this.dispatcher !== undefined ? { dispatcher: this.dispatcher } : {}),
      });
      status = res.statusCode;
      text = await readAtMost(res.body, MAX_TOKEN_RESPONSE_BYTES);
    } catch (e) {
      // The network code (ECONNREFUSED, UND_ERR_ABORTED...), never the URL or a proxy's userinfo.
      const via = this.dispatcher === undefined ? '' : ' through the proxy';
      throw this.fail(`the token endpoint is unreachable${via} (${describeNetworkError(e)})`, e);
    }
    if (text === undefined) {
      throw this.fail(
        `the token endpoint answered HTTP ${status} with more than ${MAX_TOKEN_RESPONSE_BYTES} bytes`,
      );
    }
    let doc: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      // reported below as a missing access_token
    }
    if (status !== 200 || typeof doc.access_token !== 'string' || doc.access_token === '') {
      // Only the error codes RFC 6749 defines are shown: any other text could be an echo of what
      // was sent (a hostile endpoint may answer with the client secret); the body never is.
      const code = typeof doc.error === 'string' && OAUTH2_ERROR_CODES.has(doc.error);
      throw this.fail(
        `the token endpoint answered HTTP ${status}${code ? ` (${String(doc.error)})` : ' without an access_token'}`,
      );
    }
    const lifetimeS = Number(doc.expires_in);
    const seconds = Number.isFinite(lifetimeS) && lifetimeS > 0 ? lifetimeS : DEFAULT_LIFETIME_S;
    return { value: doc.access_token, expiresAtMs: now() + seconds * 1000 };
  }

  private fail(reason: string, cause?: unknown): ScalerError {
    return new ScalerError('unavailable', `source "${this.sourceName}": oauth2: ${reason}`, {
      cause,
      source: this.sourceName,
    });
  }
}
