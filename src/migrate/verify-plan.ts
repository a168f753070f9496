// What `migrate --verify` compares for each converted trigger: the original (the built-in
// trigger's query, or prometheus-adapter's per-object query) and the converted trigger, with the
// HPA's target, so that both values and both replica decisions can be put side by side.

export interface VerifyCheck {
  /** `ScaledObject shop/orders`, `HorizontalPodAutoscaler shop/sample-app`. */
  object: string;
  namespace: string;
  /** The converted trigger's name (or `trigger<index>`). */
  trigger: string;
  original: {
    query: string;
    /**
     * builtin: KEDA's reading (one series; empty is 0 under ignoreNullValues). sum: the HPA's,
     * over the adapter's per-object values (a Pods metric's mean times the pods; External's sum).
     */
    read: 'builtin' | 'sum';
    ignoreNullValues: boolean;
  };
  /** The converted trigger's metadata as written. */
  converted: Record<string, string>;
  metricType: 'AverageValue' | 'Value';
  threshold: number;
  /** A Pods metric: the replicas are the pods the adapter returned a value for. */
  podsMetric: boolean;
  minReplicas: number;
  maxReplicas: number;
}
