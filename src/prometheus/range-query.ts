// query_range for the simulator: the trigger's query over [start, end] at a step, each instant
// reduced by the caller's reducer (the trigger's own result policy, core/reduce-result.ts), so a
// replay sees what GetMetrics would have seen.
import { ScalerError, isScalerError } from '../errors';
import type { SourceEndpoint } from './source-endpoint';
import { withAuth } from './source-endpoint';
import type { QueryResult } from './decode-response';
import { parseSampleValue } from './decode-response';
import { describeNetworkError, mergeHeaders } from './query-client';
import { Redactor } from './redact';
import { clip } from '../util/echo';

export interface RangeRequest {
  query: string;
  startS: number;
  endS: number;
  stepS: number;
  timeoutMs: number;
  namespace: string | undefined;
  queryParameters: Readonly<Record<string, string>>;
  customHeaders: Readonly<Record<string, string>>;
}

/** The reduced value at each step, and how many series the query returned over the range. */
export interface RangeResult {
  /** `empty`: no series had a point at this step (KEDA reads it as 0 or an error by policy). */
  points: { timestamp: number; value: number | null; empty?: true }[];
  /** 0: the query matched nothing at any step (a misspelled metric or label, most often). */
  seriesCount: number;
}

/** Prometheus refuses more than 11,000 points per series. */
const MAX_POINTS = 11_000;

/**
 * @param reduce one instant's samples to the trigger's value; a `ScalerError` from it makes that
 * step a failed query (null).
 * @throws {@link ScalerError} for a refused query, an unreachable source or too many points.
 */
export async function queryRange(
  source: SourceEndpoint,
  r: RangeRequest,
  reduce: (result: QueryResult) => number,
): Promise<RangeResult> {
  if ((r.endS - r.startS) / r.stepS > MAX_POINTS) {
    throw new ScalerError(
      'invalid_metadata',
      `--step: ${r.stepS}s gives more than ${MAX_POINTS} points; use a larger step`,
    );
  }
  const params = new URLSearchParams({
    query: r.query,
    start: String(r.startS),
    end: String(r.endS),
    step: String(r.stepS),
  });
  if (r.namespace !== undefined) params.set('namespace', r.namespace);
  for (const [k, v] of Object.entries(r.queryParameters)) params.append(k, v);
  const headers = mergeHeaders(r.customHeaders, source.headers());
  let status: number;
  let body: string;
  try {
    const signal = AbortSignal.timeout(r.timeoutMs);
    const request = {
      origin: source.origin,
      path: `${source.basePath}/api/v1/query_range?${params.toString()}`,
      method: 'GET' as const,
      headers,
      body: null,
    };
    const res = await source.dispatcher().request({
      ...request,
      headers: await withAuth(source, request, signal),
      signal,
    });
    status = res.statusCode;
    body = await res.body.text();
  } catch (e) {
    if (isScalerError(e)) throw e;
    throw new ScalerError(
      'unavailable',
      `source "${source.name}" is unreachable or too slow for query_range (${describeNetworkError(e)})`,
      { cause: e, source: source.name },
    );
  }
  let doc: {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: { values?: [number, string][] }[] };
  };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    throw new ScalerError(
      'unavailable',
      `source "${source.name}" sent a malformed query_range response (HTTP ${status})`,
      { source: source.name },
    );
  }
  if (status === 400 || status === 422 || doc.status === 'error') {
    const redactor = new Redactor([...source.secretValues(), ...Object.values(r.customHeaders)]);
    const text = typeof doc.error === 'string' ? clip(redactor.redact(doc.error), 512) : undefined;
    throw new ScalerError(
      'bad_query',
      `prometheus rejected the query: ${text ?? `HTTP ${status}`}`,
    );
  }
  if (doc.data?.resultType !== 'matrix' || !Array.isArray(doc.data.result)) {
    throw new ScalerError(
      'unavailable',
      `source "${source.name}" sent an unexpected query_range result`,
      { source: source.name },
    );
  }
  // One vector per timestamp, from every series that has a point there.
  const byTime = new Map<number, number[]>();
  for (const series of doc.data.result) {
    for (const [t, v] of series.values ?? []) {
      const value = parseSampleValue(v);
      if (value === undefined) continue;
      const list = byTime.get(t) ?? [];
      list.push(value);
      byTime.set(t, list);
    }
  }
  // A step whose reduction fails (an empty result, several series) is a failed query there,
  // as GetMetrics would have failed at that time: null, for the replay's fallback model.
  const out: RangeResult['points'] = [];
  for (let t = r.startS; t <= r.endS; t += r.stepS) {
    let value: number | null;
    const samples = byTime.get(t);
    try {
      value = reduce({ kind: 'vector', samples: samples ?? [] });
    } catch (e) {
      if (!isScalerError(e)) throw e;
      value = null;
    }
    out.push(
      samples === undefined ? { timestamp: t, value, empty: true } : { timestamp: t, value },
    );
  }
  return { points: out, seriesCount: doc.data.result.length };
}
