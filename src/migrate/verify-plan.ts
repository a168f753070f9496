// What `migrate --verify` compares for each converted trigger: the original (the built-in
// trigger's query, or prometheus-adapter's per-object query) and the converted trigger, with the
// HPA's target, so that both values and both replica decisions can be put side by side.
import { isMap } from './manifests';
import { parseQuantity } from './quantity';

/**
 * `behavior.scaleUp/scaleDown.tolerance` as written (a Quantity; KEP-4951, autoscaling/v2 from
 * Kubernetes 1.33, feature gate HPAConfigurableTolerance); undefined: kube-controller-manager's
 * --horizontal-pod-autoscaler-tolerance applies.
 */
export interface BehaviorTolerances {
  scaleUp: number | undefined;
  scaleDown: number | undefined;
}

/** The tolerances of an HPA behavior (an HPA's spec.behavior, a ScaledObject's advanced one). */
export function behaviorTolerances(behavior: unknown): BehaviorTolerances {
  const of = (rules: unknown) => (isMap(rules) ? parseQuantity(rules['tolerance']) : undefined);
  return isMap(behavior)
    ? { scaleUp: of(behavior['scaleUp']), scaleDown: of(behavior['scaleDown']) }
    : { scaleUp: undefined, scaleDown: undefined };
}

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
  /** The HPA's own tolerances: both decisions are made with them (they are copied unchanged). */
  tolerances: BehaviorTolerances;
}
