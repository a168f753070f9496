// grpc.health.v1 for kubelet's native gRPC probes and KEDA-facing checks: "" is liveness,
// "externalscaler.ExternalScaler" means "answers calls" (the readiness probe), and
// "keda-prometheus-scaler.data" means "the data is fresh" (for dashboards, never for a probe).
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

export const LIVENESS_SERVICE = '';
/**
 * Readiness is "able to serve calls", not "data fresh": an unready pod drops out of the headless
 * Service's DNS, KEDA's GetMetricSpec then fails and KEDA's own fallback never engages
 * (kedacore/keda #8056). Stale data is reported by GetMetrics (UNAVAILABLE or fallbackValue).
 */
export const READINESS_SERVICE = 'externalscaler.ExternalScaler';
/** Some source answered, or a cached value is, within cache.maxStaleness (as GET /healthz/data). */
export const DATA_SERVICE = 'keda-prometheus-scaler.data';

export interface HealthState {
  alive: boolean;
  serving: boolean;
  fresh: boolean;
}

export class GrpcHealth {
  private readonly impl = new HealthImplementation({
    [LIVENESS_SERVICE]: 'NOT_SERVING',
    [READINESS_SERVICE]: 'NOT_SERVING',
    [DATA_SERVICE]: 'NOT_SERVING',
  });

  addToServer(server: grpc.Server): void {
    this.impl.addToServer(server);
  }

  /** Sets every status; Watch streams hear only changes (grpc-health-check sends on change). */
  set(state: HealthState): void {
    const word = (up: boolean): 'SERVING' | 'NOT_SERVING' => (up ? 'SERVING' : 'NOT_SERVING');
    this.impl.setStatus(LIVENESS_SERVICE, word(state.alive));
    this.impl.setStatus(READINESS_SERVICE, word(state.serving));
    this.impl.setStatus(DATA_SERVICE, word(state.fresh));
  }
}
