// Prometheus's metadata API (/api/v1/series, /api/v1/labels, /api/v1/label/<name>/values) and one
// series' recent samples, with a request budget, a per-request timeout and capped response sizes,
// so a diagnosis can never load a large Prometheus. Every text the source sends back (errors, label
// names and values) passes the source's redactor first: an echoing proxy must not reveal secrets.
import { MAX_JSON_DEPTH } from '../prometheus/decode-response';
import { mergeHeaders } from '../prometheus/query-client';
import { readAtMost } from '../prometheus/read-body';
import { Redactor } from '../prometheus/redact';
import { withAuth } from '../prometheus/source-endpoint';
import { clip } from '../util/echo';
import { nestingDepth } from '../util/json-depth';
import type { SourceEndpoint } from '../prometheus/source-endpoint';

/** What a diagnosis asks Prometheus. A list is undefined when it is too large to read. */
export interface PrometheusMetadata {
  /** Whether any series matches the selector in the recent window. */
  hasSeries(selector: string): Promise<boolean>;
  /** Label names of the series that match `selector` (all series when absent). */
  labelNames(selector?: string): Promise<string[] | undefined>;
  /** Values of `label` over the series that match `selector` (all series when absent). */
  labelValues(label: string, selector?: string): Promise<string[] | undefined>;
  /**
   * Timestamps (unix seconds, ascending) of one matching series' samples in the last
   * `windowSeconds`; undefined when no series matches or the answer is too large to read.
   */
  sampleTimes(selector: string, windowSeconds: number): Promise<number[] | undefined>;
}

export interface MetadataLimits {
  /** Requests one diagnosis may send; 24 covers 4 selectors with 4 matchers each. */
  maxRequests: number;
  /** Per request (ms). */
  timeoutMs: number;
  /** Bytes read from one response; a longer one is abandoned (see each method for meaning). */
  maxResponseBytes: number;
  /** Seconds back from now that count as "recent" for series and label values. */
  windowSeconds: number;
}

const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  maxRequests: 24,
  timeoutMs: 5000,
  // 1 MiB holds about 25,000 metric names of 40 characters: enough for a did-you-mean.
  maxResponseBytes: 1 << 20,
  // Beyond Prometheus's 5 min lookback, so a series that just went stale still counts.
  windowSeconds: 3600,
};

/** A label name PromQL takes unquoted. */
const PLAIN_LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown when the request budget is spent; the diagnosis reports what it found so far. */
export class BudgetSpent extends Error {
  override readonly name = 'BudgetSpent';
}

type Fetched = { tooLarge: true } | { tooLarge: false; data: unknown };

export class SourceMetadata implements PrometheusMetadata {
  private requests = 0;

  /**
   * @param customHeaders the trigger's own headers (a tenant header such as X-Scope-OrgID for
   * Mimir or Cortex), sent with every request as with the query.
   */
  constructor(
    private readonly source: SourceEndpoint,
    private readonly customHeaders: Readonly<Record<string, string>> = {},
    private readonly limits: MetadataLimits = DEFAULT_METADATA_LIMITS,
    private readonly nowS = Date.now() / 1000,
  ) {}

  async hasSeries(selector: string): Promise<boolean> {
    // `limit` (Prometheus >= 2.49) keeps the answer to one series; older versions ignore it, and
    // a response over the byte cap means there are many.
    const got = await this.get('/api/v1/series', { 'match[]': selector, limit: '1' });
    return got.tooLarge || (Array.isArray(got.data) && got.data.length > 0);
  }

  async labelNames(selector?: string): Promise<string[] | undefined> {
    return this.list('/api/v1/labels', selector === undefined ? {} : { 'match[]': selector });
  }

  async labelValues(label: string, selector?: string): Promise<string[] | undefined> {
    return this.list(
      `/api/v1/label/${encodeURIComponent(label)}/values`,
      selector === undefined ? {} : { 'match[]': selector },
    );
  }

  async sampleTimes(selector: string, windowSeconds: number): Promise<number[] | undefined> {
    // One series first (its exact label set), then its samples: a range selector over a
    // selector that matches thousands of series would be a large answer for one interval.
    const found = await this.get('/api/v1/series', { 'match[]': selector, limit: '1' });
    if (found.tooLarge || !Array.isArray(found.data)) return undefined;
    const labels = found.data[0] as Record<string, unknown> | undefined;
    if (labels === undefined || typeof labels !== 'object') return undefined;
    const exact = `{${Object.entries(labels)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      // Prometheus 3 allows any UTF-8 label name, written quoted; plain names stay plain.
      .map(
        ([name, value]) =>
          `${PLAIN_LABEL.test(name) ? name : JSON.stringify(name)}=${JSON.stringify(value)}`,
      )
      .join(',')}}`;
    const got = await this.get(
      '/api/v1/query',
      { query: `${exact}[${windowSeconds}s]`, time: this.nowS.toFixed(3) },
      false,
    );
    if (got.tooLarge) return undefined;
    const data = got.data as { result?: { values?: unknown }[] } | undefined;
    const values = data?.result?.[0]?.values;
    if (!Array.isArray(values)) return undefined;
    return values.map(v => (Array.isArray(v) ? Number(v[0]) : NaN)).filter(t => Number.isFinite(t));
  }

  private async list(path: string, params: Record<string, string>): Promise<string[] | undefined> {
    const got = await this.get(path, params);
    if (got.tooLarge || !Array.isArray(got.data)) return undefined;
    const redact = this.redactor().redact;
    return got.data.filter((v): v is string => typeof v === 'string').map(redact);
  }

  /** Built per use: the source's secrets (a token file, an OAuth2 token) may have rotated. */
  private redactor(): Redactor {
    return new Redactor([...this.source.secretValues(), ...Object.values(this.customHeaders)]);
  }

  /**
   * One request. Any error it throws carries only redacted text: the API's `error` field, and
   * what JSON.parse or the HTTP client quote of the body or the URL, may echo a credential.
   */
  private async get(
    path: string,
    params: Record<string, string>,
    windowed = true,
  ): Promise<Fetched> {
    if (++this.requests > this.limits.maxRequests) throw new BudgetSpent('request budget spent');
    try {
      return await this.fetch(path, params, windowed);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(clip(this.redactor().redact(message)));
    }
  }

  private async fetch(
    path: string,
    params: Record<string, string>,
    windowed: boolean,
  ): Promise<Fetched> {
    const search = new URLSearchParams(params);
    if (windowed) {
      search.set('start', (this.nowS - this.limits.windowSeconds).toFixed(3));
      search.set('end', this.nowS.toFixed(3));
    }
    const signal = AbortSignal.timeout(this.limits.timeoutMs);
    const request = {
      origin: this.source.origin,
      path: `${this.source.basePath}${path}?${search.toString()}`,
      method: 'GET' as const,
      headers: mergeHeaders(this.customHeaders, this.source.headers()),
      body: null,
    };
    // The source's auth mode (SigV4, OAuth2, ...) signs these requests as it does queries.
    const headers = await withAuth(this.source, request, signal);
    const response = await this.source.dispatcher().request({ ...request, headers, signal });
    const text = await readAtMost(response.body, this.limits.maxResponseBytes);
    if (text === undefined) return { tooLarge: true };
    // As for query answers: the nesting is checked before JSON.parse recurses into it.
    if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw new Error(`${path}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const body = JSON.parse(text) as {
      status?: string;
      data?: unknown;
      error?: string;
    };
    if (response.statusCode !== 200 || body.status !== 'success') {
      throw new Error(
        `${path}: HTTP ${response.statusCode} ${clip(this.redactor().redact(String(body.error ?? '')))}`.trim(),
      );
    }
    return { tooLarge: false, data: body.data };
  }
}
