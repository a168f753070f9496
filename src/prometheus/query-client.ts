// Sends one PromQL instant query to a source over undici and classifies every failure.
import { errors as undiciErrors } from 'undici';
import { ScalerError } from '../errors';
import type { HttpMethod } from '../metadata/parse-trigger';
import type { SourceEndpoint } from './source-endpoint';
import type { QueryResult } from './decode-response';
import { decodeQueryResponse } from './decode-response';

export interface InstantQuery {
  query: string;
  /** Evaluation time, unix milliseconds. */
  timeMs: number;
  /** Total budget for this request (ms). Callers' own deadlines are handled by the cache. */
  timeoutMs: number;
  namespace: string | undefined;
  queryParameters: Readonly<Record<string, string>>;
  customHeaders: Readonly<Record<string, string>>;
  method: HttpMethod;
  maxResponseBytes: number;
}

/**
 * Prometheus's own `timeout` parameter is set a little below ours so that Prometheus abandons
 * work nobody will read (anchors.md 2, takeaway 5): 10% of the budget, at most 250 ms.
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
  const isPost = q.method === 'POST';
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
    const response = await source.dispatcher().request({
      origin: source.origin,
      path: isPost ? path : `${path}?${params.toString()}`,
      method: q.method,
      headers,
      body: isPost ? params.toString() : null,
      signal: controller.signal,
    });
    const body = await readCapped(response.body, q.maxResponseBytes, source.name);
    return decodeQueryResponse(source.name, response.statusCode, body);
  } catch (e) {
    if (signal.aborted) {
      throw new ScalerError('cancelled', 'the caller cancelled the call', { cause: e });
    }
    if (timedOut) {
      throw new ScalerError(
        'unavailable',
        `source "${source.name}" did not answer within ${q.timeoutMs}ms`,
        { cause: e, source: source.name },
      );
    }
    if (e instanceof ScalerError) throw e;
    throw new ScalerError(
      'unavailable',
      `source "${source.name}" is unreachable (${describeNetworkError(e)})`,
      { cause: e, source: source.name },
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onCallerAbort);
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
  sourceName: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new ScalerError(
        'unavailable',
        `source "${sourceName}" sent more than maxResponseBytes (${maxBytes} bytes)`,
        { source: sourceName },
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, address-free reason: the error code (ECONNREFUSED, UND_ERR_SOCKET, ...). */
function describeNetworkError(e: unknown): string {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (e instanceof undiciErrors.UndiciError) return e.name;
  return 'network error';
}
