// How much of a call's deadline the scaler keeps for itself.

/**
 * Time kept back from the caller's deadline (ms) for our own work and for the answer to travel
 * back; KEDA's HPA path allows about 3 s in total for spec + metrics + activity (KEDA
 * pkg/metricsservice/client.go).
 */
export const DEADLINE_MARGIN_MS = 50;
