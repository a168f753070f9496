// What the Prometheus client needs from a source: where it is, its headers, and its connections.
import type { Dispatcher } from 'undici';
import type { OutgoingRequest } from './auth/request-auth';

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
  /**
   * Whether the source itself sets header `name` (lower case) on its requests: a static header,
   * its credentials, or what its auth mode writes. Reads no file and never throws.
   */
  ownsHeader(name: string): boolean;
  /**
   * Every secret this endpoint sends, in its current value (re-read when a secret file changes):
   * tokens, passwords and their encoded forms, static header values. Text the source sends back
   * is redacted of them (redact.ts). Each auth mode adds its own values here. Never throws.
   */
  secretValues(): readonly string[];

  /**
   * Headers an auth mode adds for this exact request (a signature, a fetched token); absent when
   * the source has none. @throws {@link ScalerError} `unavailable`, never naming a secret.
   */
  authorize?(request: OutgoingRequest, signal: AbortSignal): Promise<Record<string, string>>;
}

/** The request with the source's auth headers added (signed over exactly these bytes). */
export async function withAuth(
  source: SourceEndpoint,
  request: OutgoingRequest,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  if (source.authorize === undefined) return { ...request.headers };
  return { ...request.headers, ...(await source.authorize(request, signal)) };
}
