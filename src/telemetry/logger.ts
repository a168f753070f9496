// pino logger factory: JSON lines, secrets redacted by path.
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/schema';

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

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keda-prometheus-scaler' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
