// How much of a call's deadline the scaler may spend waiting for Prometheus.

/**
 * Time kept back from the caller's deadline (ms) for our own work and for the answer to travel
 * back; KEDA's HPA path allows about 3 s in total for spec + metrics + activity (keda.md 2.5).
 */
export const DEADLINE_MARGIN_MS = 50;

export interface QueryBudget {
  /** Milliseconds the Prometheus request may take; > 0. */
  timeoutMs: number;
  /** True when the caller's deadline, not the configured timeout, set the budget. */
  deadlineBound: boolean;
}

/**
 * min(configured timeout, time left before the deadline minus a margin). `deadlineMs` is a unix
 * time in ms, or Infinity when the caller set no deadline (grpc-js getDeadline()). Returns
 * undefined when no time is left at all.
 */
export function queryBudget(
  configuredMs: number,
  deadlineMs: number,
  nowMs: number,
): QueryBudget | undefined {
  const leftMs = deadlineMs - nowMs - DEADLINE_MARGIN_MS;
  if (leftMs >= configuredMs) return { timeoutMs: configuredMs, deadlineBound: false };
  if (leftMs <= 0) return undefined;
  return { timeoutMs: Math.floor(leftMs), deadlineBound: true };
}
