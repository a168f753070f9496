// What the Prometheus client needs from a source: where it is, its headers, and its connections.
import type { Dispatcher } from 'undici';

/** The HTTP client a source sends its requests through (an undici Pool; a MockAgent in tests). */
export type HttpDispatcher = Dispatcher;

/** A Prometheus-compatible endpoint. Tests implement it with an undici MockAgent. */
export interface SourceEndpoint {
  readonly name: string;
  /** scheme://host:port */
  readonly origin: string;
  /** Path prefix before /api/v1/query, '' for a plain Prometheus. */
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  dispatcher(): HttpDispatcher;
  /** Static headers and credentials, lower-case names. Wins over trigger customHeaders. */
  headers(): Record<string, string>;
}
