// grpc.health.v1 for kubelet's native gRPC probes and KEDA-facing checks: "" is liveness,
// "externalscaler.ExternalScaler" means "answers calls" (the readiness probe), and
// "keda-prometheus-scaler.data" means "the data is fresh" (for dashboards, never for a probe).
// Served from proto/grpc/health/v1/health.proto with the project's own proto loader: the
// grpc-health-check package loads a second proto-loader, about 40 ms of start-up here.
import type * as grpc from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, protoPath } from './load-proto';

export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
const LIVENESS_SERVICE = '';
/**
 * Readiness is "able to serve calls", not "data fresh": an unready pod drops out of the headless
 * Service's DNS, KEDA's GetMetricSpec then fails and KEDA's own fallback never engages
 * (kedacore/keda #8056). Stale data is reported by GetMetrics (UNAVAILABLE or fallbackValue).
 */
const READINESS_SERVICE = 'externalscaler.ExternalScaler';
/** Some source answered, or a cached value is, within cache.maxStaleness (as GET /healthz/data). */
const DATA_SERVICE = 'keda-prometheus-scaler.data';

type Status = 'SERVING' | 'NOT_SERVING';
type Reply = { status: Status | 'SERVICE_UNKNOWN' };

export interface HealthState {
  alive: boolean;
  serving: boolean;
  fresh: boolean;
}

export class GrpcHealth {
  private readonly statuses = new Map<string, Status>([
    [LIVENESS_SERVICE, 'NOT_SERVING'],
    [READINESS_SERVICE, 'NOT_SERVING'],
    [DATA_SERVICE, 'NOT_SERVING'],
  ]);
  private readonly watchers = new Map<string, Set<(reply: Reply) => void>>();

  addToServer(server: grpc.Server): void {
    const definition = protoLoader.loadSync(protoPath(HEALTH_PROTO), PROTO_LOADER_OPTIONS);
    const service = definition['grpc.health.v1.Health'] as grpc.ServiceDefinition;
    server.addService(service, {
      Check: (
        call: grpc.ServerUnaryCall<{ service: string }, Reply>,
        callback: grpc.sendUnaryData<Reply>,
      ) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) {
          callback({
            code: grpcStatus.NOT_FOUND,
            details: `unknown health service "${call.request.service.slice(0, 100)}"`,
          });
        } else {
          callback(null, { status });
        }
      },
      // The current status at once, then one message per change (not per periodic sync).
      Watch: (call: grpc.ServerWritableStream<{ service: string }, Reply>) => {
        const name = call.request.service;
        const send = (reply: Reply): void => void call.write(reply);
        const set = this.watchers.get(name) ?? new Set();
        this.watchers.set(name, set.add(send));
        call.on('cancelled', () => set.delete(send));
        send({ status: this.statuses.get(name) ?? 'SERVICE_UNKNOWN' });
      },
      List: (_call: unknown, callback: grpc.sendUnaryData<{ statuses: Record<string, Reply> }>) => {
        const statuses = Object.fromEntries([...this.statuses].map(([k, v]) => [k, { status: v }]));
        callback(null, { statuses });
      },
    });
  }

  /** Sets every status; watchers hear only the ones that changed. */
  set(state: HealthState): void {
    const word = (up: boolean): Status => (up ? 'SERVING' : 'NOT_SERVING');
    this.update(LIVENESS_SERVICE, word(state.alive));
    this.update(READINESS_SERVICE, word(state.serving));
    this.update(DATA_SERVICE, word(state.fresh));
  }

  private update(name: string, status: Status): void {
    if (this.statuses.get(name) === status) return;
    this.statuses.set(name, status);
    for (const send of this.watchers.get(name) ?? []) send({ status });
  }
}
