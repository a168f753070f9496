// grpc.health.v1 for kubelet's native gRPC probes: "" is liveness (the process serves),
// "externalscaler.ExternalScaler" is readiness (the data is fresh, as /readyz).
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

export const LIVENESS_SERVICE = '';
export const READINESS_SERVICE = 'externalscaler.ExternalScaler';

export class GrpcHealth {
  private readonly impl = new HealthImplementation({
    [LIVENESS_SERVICE]: 'NOT_SERVING',
    [READINESS_SERVICE]: 'NOT_SERVING',
  });

  addToServer(server: grpc.Server): void {
    this.impl.addToServer(server);
  }

  /** Sets both statuses; Watch streams hear only changes (grpc-health-check sends on change). */
  set(alive: boolean, ready: boolean): void {
    this.impl.setStatus(LIVENESS_SERVICE, alive ? 'SERVING' : 'NOT_SERVING');
    this.impl.setStatus(READINESS_SERVICE, ready ? 'SERVING' : 'NOT_SERVING');
  }
}
