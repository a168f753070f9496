// Decodes Prometheus's /api/v1/query envelope into a QueryResult; only instant vectors and
// scalars can become a metric, everything else is rejected with the reason.
import { ScalerError } from '../errors';
import { clip, quote } from '../util/echo';
import { nestingDepth } from '../util/json-depth';
import type { Redact } from './redact';
import { UpstreamError } from './upstream-error';

/** An instant query result. Sample values may be NaN or ±Inf; the reducer decides. */
export type QueryResult =
  { kind: 'vector'; samples: readonly number[] } | { kind: 'scalar'; value: number };

/** The refusal of a range-vector result (`migrate --verify` tells it from other errors). */
export const RANGE_VECTOR_MESSAGE =
  'the query returned a range vector (matrix); the scaler needs an instant vector or a ' +
  'scalar: remove the [range] selector or wrap it in a function such as rate() or ' +
  'max_over_time()';

/**
 * Prometheus writes sample values as strings: decimals, `NaN`, `+Inf`, `-Inf`. JavaScript's
 * Number() does not read `+Inf`, so the special spellings are mapped explicitly.
 */
export function parseSampleValue(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** Prometheus errorType values that mean "the query is wrong", not "the server is sick". */
const QUERY_ERROR_TYPES = new Set(['bad_data', 'execution']);

/**
 * Deepest nesting accepted in a response. An instant-query answer is 5 levels deep (envelope,
 * data, result, series, value); 32 leaves room for warnings and extensions. Deeply nested
 * input is what makes JSON.parse slow and large (about 1 s and 350 MB for 7 MB of `[[[[…`),
 * so it is refused before parsing.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Most of Prometheus's error text shown (characters): its parse errors quote the query around
 * the fault, which a shorter cut would lose; still well inside one capped message.
 */
const MAX_UPSTREAM_TEXT_CHARS = 512;

/** How the body was read: whole, or only its start (an error body; query-client.ts). */
export interface BodyRead {
  text: string;
  /** True when the body went on beyond `text` and was not read. */
  truncated: boolean;
}

/**
 * Decodes a response body. `httpStatus` decides how errors are classed: 400/422 are the query's
 * fault (INVALID_ARGUMENT with Prometheus's own text), everything else is UNAVAILABLE. Every
 * piece of the source's own text in a message passes `redact` first, then is cut short.
 *
 * @throws {@link ScalerError} `bad_query` or `unavailable`.
 */
export function decodeQueryResponse(
  source: string,
  httpStatus: number,
  body: BodyRead,
  redact: Redact,
): QueryResult {
  const depth = nestingDepth(body.text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw malformed(source, httpStatus, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(body.text);
  } catch {
    if (!body.truncated) throw malformed(source, httpStatus, 'the body is not JSON');
    envelope = envelopeFromPrefix(body.text);
  }
  if (typeof envelope !== 'object' || envelope === null) {
    throw malformed(source, httpStatus, 'the body is not a JSON object');
  }
  const e = envelope as { status?: unknown; errorType?: unknown; error?: unknown; data?: unknown };

  if (httpStatus === 400 || httpStatus === 422 || e.status === 'error') {
    const text =
      typeof e.error === 'string'
        ? clip(redact(e.error), MAX_UPSTREAM_TEXT_CHARS)
        : 'no error text';
    const errorType = typeof e.errorType === 'string' ? e.errorType : '';
    if (httpStatus === 400 || httpStatus === 422 || QUERY_ERROR_TYPES.has(errorType)) {
      throw new ScalerError('bad_query', `prometheus rejected the query: ${text}`, { source });
    }
    const kind = errorType === '' ? 'error' : clip(redact(errorType));
    const message = `source "${source}" failed the query (HTTP ${httpStatus}, ${kind}): ${text}`;
    // Prometheus's own error (errorType timeout when it stopped the query at the `timeout` the
    // scaler sent): about this query.
    throw serverFailure(source, message, errorType !== '');
  }
  if (httpStatus < 200 || httpStatus > 299) {
    throw serverFailure(source, `source "${source}" answered HTTP ${httpStatus}`);
  }
  if (e.status !== 'success' || typeof e.data !== 'object' || e.data === null) {
    throw malformed(source, httpStatus, 'missing "status": "success" or "data"');
  }
  const data = e.data as { resultType?: unknown; result?: unknown };
  switch (data.resultType) {
    case 'vector':
      return { kind: 'vector', samples: decodeVector(source, data.result) };
    case 'scalar': {
      const value = Array.isArray(data.result) ? parseSampleValue(data.result[1]) : undefined;
      if (value === undefined) throw malformed(source, httpStatus, 'scalar without a value');
      return { kind: 'scalar', value };
    }
    case 'matrix':
      throw new ScalerError('bad_query', RANGE_VECTOR_MESSAGE, { source });
    case 'string':
      throw new ScalerError(
        'bad_query',
        'the query returned a string; the scaler needs an instant vector or a scalar',
        { source },
      );
    default:
      throw malformed(
        source,
        httpStatus,
        `unknown resultType ${typeof data.resultType === 'string' ? quote(redact(data.resultType)) : typeof data.resultType}`,
      );
  }
}

function decodeVector(source: string, result: unknown): number[] {
  if (!Array.isArray(result)) throw malformed(source, 200, 'vector result is not a list');
  return result.map((series: unknown) => {
    const pair = (series as { value?: unknown } | null)?.value;
    const value = Array.isArray(pair) ? parseSampleValue(pair[1]) : undefined;
    if (
      value === undefined &&
      (series as { histogram?: unknown } | null)?.histogram !== undefined
    ) {
      // A native histogram sample (Prometheus's "histogram" field) is the query's choice.
      throw new ScalerError(
        'bad_query',
        'the query returned native histogram samples, which are not a number; reduce them ' +
          'with histogram_count(), histogram_sum() or histogram_quantile()',
        { source },
      );
    }
    if (value === undefined) throw malformed(source, 200, 'vector sample without a value');
    return value;
  });
}

/**
 * Prometheus's error envelope from the start of a body too long to read whole: the `error` and
 * `errorType` strings as far as they go, or the raw start when it is not an envelope.
 */
function envelopeFromPrefix(prefix: string): unknown {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)`).exec(prefix);
    if (m === null) return undefined;
    // The pattern ends before a lone backslash; only a \u escape can be cut in half.
    const raw = (m[1] ?? '').replace(/\\u[0-9a-fA-F]{0,3}$/, '');
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  };
  return { status: 'error', errorType: field('errorType'), error: field('error') ?? prefix };
}

function malformed(source: string, httpStatus: number, why: string): ScalerError {
  return serverFailure(
    source,
    `source "${source}" sent a malformed response (HTTP ${httpStatus}): ${why}`,
  );
}

/**
 * A failed answer: a 5xx, a query Prometheus stopped at its `timeout`, a proxy's page, an answer
 * cut short or not Prometheus's JSON. One costly or odd query can cause each of these on a healthy
 * server (or a proxy in front of it), so none counts against a shared breaker (scope `query`); the
 * result cache remembers it for this query alone. A source that fails every query this way fails
 * each query on its own, at most once per cache.negativeTtl.
 */
function serverFailure(source: string, message: string, envelope = false): ScalerError {
  return new UpstreamError(
    'unavailable',
    message,
    { verdict: 'failure', retryAfterMs: undefined, scope: 'query', envelope },
    { source },
  );
}
