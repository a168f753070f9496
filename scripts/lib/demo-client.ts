// A minimal grpc-js client that calls the scaler exactly as KEDA does, for the demo.
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import type {
  GetMetricSpecResponse,
  GetMetricsResponse,
  IsActiveResponse,
} from '../../src/grpc/messages';

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export class ScalerClientForDemo {
  private readonly client: grpc.Client;

  constructor(target: string) {
    const { clientConstructor } = loadExternalScalerPackage();
    this.client = new clientConstructor(target, grpc.credentials.createInsecure());
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method];
    if (fn === undefined) return Promise.reject(new Error(`no method ${method}`));
    return new Promise((resolve, reject) =>
      fn.call(this.client, req, (err, res) =>
        err ? reject(new Error(err.details)) : resolve(res as T),
      ),
    );
  }

  private ref(metadata: Record<string, string>): unknown {
    return { name: 'demo', namespace: 'default', scalerMetadata: metadata };
  }

  getMetricSpec(metadata: Record<string, string>): Promise<GetMetricSpecResponse> {
    return this.call('GetMetricSpec', this.ref(metadata));
  }

  async getMetrics(metadata: Record<string, string>, metricName: string): Promise<number> {
    const res = await this.call<GetMetricsResponse>('GetMetrics', {
      scaledObjectRef: this.ref(metadata),
      metricName,
    });
    return res.metricValues[0]?.metricValueFloat ?? 0;
  }

  async isActive(metadata: Record<string, string>): Promise<boolean> {
    return (await this.call<IsActiveResponse>('IsActive', this.ref(metadata))).result;
  }

  close(): void {
    this.client.close();
  }
}
