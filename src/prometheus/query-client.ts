// Sends one PromQL instant query to a source over undici and classifies every failure.
import { errors as undiciErrors } from 'undici';
import { ScalerError, isScalerError } from '../errors';
import type { SourceEndpoint } from './source-endpoint';
import { withAuth } from './source-endpoint';
import type { BodyRead, QueryResult } from './decode-response';
import { decodeQueryResponse } from './decode-response';
import { Redactor } from './redact';
import type { ResponseBody } from './read-body';
import { readAtMost } from './read-body';

/**
 * How much of a non-2xx body is read (bytes); the rest is discarded unread. Prometheus's error
 * envelope is a few hundred bytes; 4 KiB keeps the whole of it and never a multi-megabyte page.
 */
const MAX_ERROR_BODY_BYTES = 4096;
import { UpstreamError, breakerVerdict, parseRetryAfter } from './upstream-error';

export interface InstantQuery {
  query: string;
  /** Evaluation time, unix milliseconds. */
  timeMs: number;
  /** Total budget for this request (ms). Callers' own deadlines are handled by the cache. */
  timeoutMs: number;
  namespace: string | undefined;
  queryParameters: Readonly<Record<string, string>>;
  customHeaders: Readonly<Record<string, string>>;
  /** The trigger's httpMethod (metadata/parse-trigger.ts): POST for a query too long for a URL. */
  method: 'GET' | 'POST';
  maxResponseBytes: number;
}

/**
 * The largest encoded query string sent as a GET; above it the query goes as a POST form, which
 * Prometheus's /api/v1/query accepts. 8 KiB is the default request-line limit of common proxies
 * and servers (nginx large_client_header_buffers, Apache LimitRequestLine).
 */
const MAX_GET_QUERY_STRING_BYTES = 8 * 1024;

/**
 * Prometheus's own `timeout` parameter is set a little below ours so that Prometheus abandons
 * work nobody will read (Prometheus stops a query at its `timeout` parameter): 10% of the budget,
 * at most 250 ms.
 */
export function prometheusTimeoutSeconds(timeoutMs: number): string {
  const margin = Math.min(250, timeoutMs * 0.1);
  return ((timeoutMs - margin) / 1000).toFixed(3);
}

/** The query string / form body. Parameters are sorted so equal requests are equal bytes. */
function buildQueryParams(q: InstantQuery): URLSearchParams {
  const params = new URLSearchParams();
  params.set('query', q.query);
  params.set('time', (q.timeMs / 1000).toFixed(3));
  params.set('timeout', prometheusTimeoutSeconds(q.timeoutMs));
  if (q.namespace !== undefined) params.set('namespace', q.namespace);
  for (const key of Object.keys(q.queryParameters).sort()) {
    params.append(key, q.queryParameters[key] ?? '');
  }
  return params;
}

/**
 * The customHeaders that reach the wire as this trigger sent them (lower-case names): not set by
 * the source itself, its credentials or its auth mode. They choose who the request is sent as (a
 * tenant in X-Scope-OrgID), so the gateway keeps a breaker per set of them.
 */
export function tenantHeaders(
  source: Pick<SourceEndpoint, 'ownsHeader'>,
  custom: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(custom)) {
    const name = k.toLowerCase();
    if (!source.ownsHeader(name)) out[name] = v;
  }
  return out;
}

/** Header names are case-insensitive; later layers win: custom < source < auth. */
export function mergeHeaders(
  custom: Readonly<Record<string, string>>,
  source: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/json' };
  for (const [k, v] of Object.entries(custom)) out[k.toLowerCase()] = v;
  return { ...out, ...source };
}

/**
 * Runs an instant query. `signal` is the caller's cancellation (client went away).
 *
 * @throws {@link ScalerError} classified: `bad_query`, `unavailable` or `cancelled`. Never anything else.
 */
export async function queryInstant(
  source: SourceEndpoint,
  q: InstantQuery,
  signal: AbortSignal,
): Promise<QueryResult> {
  const params = buildQueryParams(q);
  const path = `${source.basePath}/api/v1/query`;
  const headers = mergeHeaders(q.customHeaders, source.headers());
  const query = params.toString();
  // A long GET is refused by proxies and servers with 414/431; the same form works as a POST.
  const isPost = q.method === 'POST' || query.length > MAX_GET_QUERY_STRING_BYTES;
  if (isPost) headers['content-type'] = 'application/x-www-form-urlencoded';

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, q.timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  signal.addEventListener('abort', onCallerAbort, { once: true });
  try {
    if (signal.aborted) controller.abort();
    const request = {
      origin: source.origin,
      path: isPost ? path : `${path}?${query}`,
      method: isPost ? ('POST' as const) : ('GET' as const),
      headers,
      body: isPost ? query : null,
    };
    const signed = await withAuth(source, request, controller.signal);
    const response = await source.dispatcher().request({
      ...request,
      headers: signed,
      signal: controller.signal,
    });
    const status = response.statusCode;
    // A header only this trigger sent (a tenant, a scope) can be what a 401/403/429 is about.
    const refusal = refusalOf(source.name, status, () =>
      Object.keys(tenantHeaders(source, q.customHeaders)),
    );
    if (refusal !== undefined) {
      // Only the status matters; the body is not read (nor echoed). Destroying it emits an
      // abort error on the stream, which nobody else listens for.
      response.body.on('error', () => undefined);
      response.body.destroy();
      throw refusal(retryAfterOf(response.headers));
    }
    const ok = status >= 200 && status <= 299;
    const body = ok
      ? await readCapped(response.body, q.maxResponseBytes, source.name)
      : await readPrefix(response.body, MAX_ERROR_BODY_BYTES);
    // Built per response (a source's secrets may have rotated since the last one), and only when
    // text from the source is about to be shown: a good answer never needs it.
    let redactor: Redactor | undefined;
    const redact = (text: string): string =>
      (redactor ??= new Redactor([
        ...source.secretValues(),
        ...Object.values(q.customHeaders),
      ])).redact(text);
    try {
      return decodeQueryResponse(source.name, status, body, redact);
    } catch (e) {
      const retryAfterMs = status === 503 ? retryAfterOf(response.headers) : undefined;
      // A bad query stays the query's fault whatever headers came with it.
      if (retryAfterMs === undefined || !isScalerError(e) || e.kind === 'bad_query') throw e;
      const verdict = breakerVerdict(e);
      // Prometheus's own error envelope is about this query (it timed out, say): the query's
      // failure, remembered that long for this query alone. Any other 503 with Retry-After (a
      // gateway's maintenance or overload page) asks the identity the request was sent as to
      // wait: the source's credentials, or the route a trigger's own headers select.
      throw new UpstreamError(
        e.kind,
        e.message,
        verdict.envelope === true
          ? { ...verdict, retryAfterMs }
          : { verdict: 'failure', retryAfterMs, scope: 'identity' },
        { cause: e, source: source.name, retryAfterMs },
      );
    }
  } catch (e) {
    if (signal.aborted) {
      throw new ScalerError('cancelled', 'the caller cancelled the call', { cause: e });
    }
    if (timedOut) {
      throw new UpstreamError(
        'unavailable',
        `source "${source.name}" did not answer within ${q.timeoutMs}ms`,
        { verdict: 'failure', retryAfterMs: undefined, scope: 'query' },
        { cause: e, source: source.name },
      );
    }
    if (isScalerError(e)) throw e;
    const code = describeNetworkError(e);
    if (code === 'UND_ERR_INVALID_ARG') {
      // The request itself could not be built: the trigger's fault, never the source's.
      throw new UpstreamError(
        'bad_query',
        `the request to source "${source.name}" is not valid HTTP (a customHeaders or ` +
          'queryParameters value); fix the trigger metadata',
        { verdict: 'neutral', retryAfterMs: undefined },
        { cause: e, source: source.name },
      );
    }
    if (code === 'UND_ERR_NOT_SUPPORTED') {
      // undici refuses what it cannot send (an `Expect` header): the trigger's fault.
      throw new UpstreamError(
        'bad_query',
        `the request to source "${source.name}" asks for something the HTTP client does not ` +
          'support (a customHeaders value); fix the trigger metadata',
        { verdict: 'neutral', retryAfterMs: undefined },
        { cause: e, source: source.name },
      );
    }
    // Only a connection that could not be made is the source's failure for every query; a reset
    // or a cut-off answer may be a proxy stopping this query (CONNECT_FAILURES).
    throw new UpstreamError(
      'unavailable',
      `source "${source.name}" is unreachable (${code})`,
      {
        verdict: 'failure',
        retryAfterMs: undefined,
        scope: isConnectFailure(code) ? 'source' : 'query',
      },
      { cause: e, source: source.name },
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onCallerAbort);
  }
}

/** A successful body, whole; more than `maxBytes` is an error. */
async function readCapped(
  body: ResponseBody,
  maxBytes: number,
  sourceName: string,
): Promise<BodyRead> {
  const text = await readAtMost(body, maxBytes);
  if (text === undefined) {
    // Usually the query's result is too large (many series): not the source's failure.
    throw new UpstreamError(
      'unavailable',
      `source "${sourceName}" sent more than maxResponseBytes (${maxBytes} bytes)`,
      { verdict: 'neutral', retryAfterMs: undefined },
      { source: sourceName },
    );
  }
  return { text, truncated: false };
}

/** The first `maxBytes` of an error body; the connection is dropped rather than read further. */
async function readPrefix(body: ResponseBody, maxBytes: number): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return {
        text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'),
        truncated: true,
      };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** Retry-After of a response, as milliseconds from now (capped); undefined when absent. */
function retryAfterOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  return parseRetryAfter(Array.isArray(value) ? value[0] : value, Date.now());
}

/**
 * Statuses with a meaning of their own, answered without reading the body. 401/403/429 are
 * refusals of the identity the request was sent as: the source's credentials and limits, and the
 * tenant a trigger's own customHeaders select. They count against that identity's breaker, which
 * the gateway keeps apart from the source's (one namespace's tenant must not stop every other
 * namespace's queries), and so does their Retry-After. 413/414/431 mean this request was too
 * large: the trigger's fault.
 */
function refusalOf(
  source: string,
  status: number,
  triggerHeaders: () => readonly string[],
): ((retryAfterMs: number | undefined) => UpstreamError) | undefined {
  if (![401, 403, 429, 413, 414, 431].includes(status)) return undefined;
  const mine = triggerHeaders();
  const about =
    mine.length > 0 ? ` (this trigger's customHeaders ${mine.join(', ')} may select it)` : '';
  const failure =
    (message: string, scope: 'identity' | 'query' = 'identity') =>
    (retryAfterMs: number | undefined) =>
      new UpstreamError(
        'unavailable',
        message,
        { verdict: 'failure', retryAfterMs, scope },
        { source, retryAfterMs },
      );
  switch (status) {
    case 401:
      return failure(
        `source "${source}" rejected the scaler's credentials (HTTP 401); check its ` +
          `bearerTokenFile, basicAuth or headers in the scaler configuration${about}`,
      );
    case 403: {
      const text =
        `source "${source}" answered forbidden (HTTP 403): its credentials lack access to ` +
        `this query or tenant${about}`;
      // Under the source's own credentials a 403 may be about this query alone (an RBAC proxy
      // checking the `namespace` parameter, a WAF rule matching the query text): it stops no
      // other namespace's queries; the result cache remembers it for this query.
      return failure(text, mine.length > 0 ? 'identity' : 'query');
    }
    case 429:
      return retryAfterMs =>
        failure(
          `source "${source}" is rate-limiting the scaler (HTTP 429)${about}` +
            (retryAfterMs === undefined
              ? ''
              : `; it asked to wait ${Math.ceil(retryAfterMs / 1000)}s`),
        )(retryAfterMs);
    case 413:
    case 414:
    case 431:
      return () =>
        new UpstreamError(
          'bad_query',
          `source "${source}" refused the request as too large (HTTP ${status}); shorten the ` +
            'query, queryParameters or customHeaders',
          { verdict: 'success', retryAfterMs: undefined },
          { source },
        );
    default:
      return undefined;
  }
}

/**
 * Error codes of a connection that could not be made (Node's net, dns and tls, undici's connect
 * timeout): nothing in a trigger's query or metadata can cause them, so they count against the
 * source's shared breaker. Every other network error (a reset, a socket closed mid-answer) counts
 * against no breaker.
 */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isConnectFailure(code: string): boolean {
  return CONNECT_FAILURES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

/** A short, address-free reason: the error code (ECONNREFUSED, UND_ERR_SOCKET, ...). */
export function describeNetworkError(e: unknown): string {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (e instanceof undiciErrors.UndiciError) return e.name;
  return 'network error';
}
