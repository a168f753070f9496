// A real grpc-js client for the ExternalScaler service, built only from proto/externalscaler.proto,
// calling it as KEDA does. Used by the demo and the tests.
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import type {
  GetMetricSpecResponse,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from '../../src/grpc/messages';

export interface CallOptions {
  deadlineMs?: number;
}

/** Promise wrappers over the generated client; errors are grpc ServiceErrors with `.code`. */
export class ScalerClient {
  readonly raw: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

  /** `options`: grpc-js channel options (e.g. a round_robin service config, as KEDA dials). */
  constructor(target: string, options: grpc.ChannelOptions = {}) {
    const { clientConstructor } = loadExternalScalerPackage();
    this.raw = new clientConstructor(target, grpc.credentials.createInsecure(), options) as never;
  }

  private unary<Res>(method: string, request: unknown, options: CallOptions): Promise<Res> {
    const callOptions: grpc.CallOptions =
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    return new Promise((resolve, reject) => {
      const fn = this.raw[method] as (
        req: unknown,
        md: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res: Res) => void,
      ) => void;
      fn.call(this.raw, request, new grpc.Metadata(), callOptions, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  }

  getMetricSpec(ref: ScaledObjectRef, o: CallOptions = {}): Promise<GetMetricSpecResponse> {
    return this.unary('GetMetricSpec', ref, o);
  }

  getMetrics(
    ref: ScaledObjectRef,
    metricName: string,
    o: CallOptions = {},
  ): Promise<GetMetricsResponse> {
    return this.unary('GetMetrics', { scaledObjectRef: ref, metricName }, o);
  }

  isActive(ref: ScaledObjectRef, o: CallOptions = {}): Promise<IsActiveResponse> {
    return this.unary('IsActive', ref, o);
  }

  /** Opens a server stream; the caller cancels it. */
  stream(
    method: 'StreamIsActive' | 'StreamMetricSpec',
    ref: ScaledObjectRef,
  ): grpc.ClientReadableStream<unknown> {
    const fn = this.raw[method] as (req: unknown) => grpc.ClientReadableStream<unknown>;
    return fn.call(this.raw, ref);
  }

  /**
   * One KEDA poll or HPA sync (KEDA pkg/scaling/scale_handler.go, GetMetricsAndActivity):
   * GetMetricSpec, then GetMetrics with the spec's name lower-cased (as the HPA path may send it),
   * then IsActive.
   */
  async kedaPoll(
    ref: ScaledObjectRef,
    o: CallOptions = {},
  ): Promise<{ metricName: string; value: number; active: boolean }> {
    const spec = await this.getMetricSpec(ref, o);
    const metricName = spec.metricSpecs[0]?.metricName ?? '';
    const metrics = await this.getMetrics(ref, metricName.toLowerCase(), o);
    const active = (await this.isActive(ref, o)).result;
    return { metricName, value: metrics.metricValues[0]?.metricValueFloat ?? 0, active };
  }

  close(): void {
    this.raw.close();
  }
}

export function ref(
  scalerMetadata: Record<string, string>,
  name = 'so',
  namespace = 'team-a',
): ScaledObjectRef {
  return { name, namespace, scalerMetadata };
}
