// The Logger the scaler writes through (only the methods it uses), and its pino implementation:
// JSON lines, secrets redacted by path.
import pino from 'pino';
import type { DestinationStream } from 'pino';

/** Log levels, most verbose first; `silent` logs nothing. */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

type LogMethod = {
  (fields: object, message: string): void;
  (message: string): void;
};

/** A structured logger: a fields object (may hold `err`) and a message, one JSON line each. */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Lets a hot path skip building fields for a line that would not be written. */
  isLevelEnabled(level: LogLevelName): boolean;
}

/**
 * Paths that may hold secrets if a future log call includes them. Messages built by the scaler
 * never contain metadata values of secret-bearing keys (parse-trigger.ts), this is the backstop.
 */
const REDACT_PATHS = [
  'scalerMetadata',
  '*.scalerMetadata',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
];

/** A pino logger; `destination` (tests) instead of stdout. */
export function createLogger(level: LogLevelName, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keda-prometheus-scaler' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
