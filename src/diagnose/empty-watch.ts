// Server side of the empty-result diagnosis: a query that keeps returning nothing for a minute is
// diagnosed once and logged at debug level, so an operator sees the typo without running `check`.
import type { QueryResult } from '../prometheus/decode-response';
import type { SourceEndpoint } from '../prometheus/source-endpoint';
import type { Logger } from '../telemetry/logger';
import { diagnoseEmpty } from './diagnose-empty';
import { emptiness } from './empty-result';
import { SourceMetadata } from './metadata-client';

/** How long a query must keep returning nothing before it is diagnosed (ms): past one blip. */
const KEEPS_EMPTY_MS = 60_000;
/** Queries tracked at once and queries remembered as diagnosed; the oldest are forgotten. */
const MAX_TRACKED = 1000;

export interface EmptyWatchOptions {
  logger: Logger;
  /** Default {@link KEEPS_EMPTY_MS}. */
  keepsEmptyMs?: number | undefined;
  now?: () => number;
  /** The diagnosis to run; the default asks the source's metadata API. */
  diagnose?: (
    query: string,
    source: SourceEndpoint,
    customHeaders: Readonly<Record<string, string>>,
  ) => Promise<unknown>;
}

export class EmptyResultWatch {
  /** source + query → when it was first seen empty (ms). */
  private readonly emptySince = new Map<string, number>();
  private readonly diagnosed = new Set<string>();
  private readonly now: () => number;
  private readonly diagnose: NonNullable<EmptyWatchOptions['diagnose']>;

  constructor(private readonly options: EmptyWatchOptions) {
    this.now = options.now ?? Date.now;
    this.diagnose =
      options.diagnose ??
      ((query, source, headers) => diagnoseEmpty(query, new SourceMetadata(source, headers)));
  }

  /** Called with every result the evaluator reduces (only while debug logging is on). */
  observe(
    source: SourceEndpoint,
    metric: string,
    query: string,
    result: QueryResult,
    customHeaders: Readonly<Record<string, string>> = {},
  ): void {
    const key = `${source.name}\u0000${query}`;
    const kind = emptiness(result);
    if (kind === undefined) {
      this.emptySince.delete(key);
      return;
    }
    if (this.diagnosed.has(key)) return;
    const since = this.emptySince.get(key);
    const now = this.now();
    if (since === undefined) {
      this.emptySince.set(key, now);
      if (this.emptySince.size > MAX_TRACKED) this.forgetOldest(this.emptySince);
      return;
    }
    if (now - since < (this.options.keepsEmptyMs ?? KEEPS_EMPTY_MS)) return;
    this.emptySince.delete(key);
    this.diagnosed.add(key);
    if (this.diagnosed.size > MAX_TRACKED) this.forgetOldest(this.diagnosed);
    const log = { metric, source: source.name, query, result: kind };
    void this.diagnose(query, source, customHeaders).then(
      findings => this.options.logger.debug({ ...log, findings }, 'query keeps returning nothing'),
      (e: unknown) =>
        this.options.logger.debug(
          { ...log, error: (e as Error).message },
          'query keeps returning nothing (diagnosis failed)',
        ),
    );
  }

  private forgetOldest(collection: Map<string, number> | Set<string>): void {
    const oldest = collection.keys().next().value;
    if (oldest !== undefined) collection.delete(oldest);
  }
}
