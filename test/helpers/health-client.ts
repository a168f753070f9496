// A grpc.health.v1 client as kubelet's gRPC probe and KEDA-facing checks use it: Check(service).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HEALTH_PROTO } from '../../src/grpc/health';
import { protoPath } from '../../src/grpc/load-proto';

type HealthStub = grpc.Client & {
  Check(
    req: { service: string },
    cb: (e: grpc.ServiceError | null, r: { status: string }) => void,
  ): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
};

const definition = protoLoader.loadSync(protoPath(HEALTH_PROTO), { keepCase: true, enums: String });
const Health = (
  grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  }
).grpc.health.v1.Health;

export class HealthClient {
  private readonly stub: HealthStub;

  constructor(target: string) {
    this.stub = new Health(target, grpc.credentials.createInsecure()) as unknown as HealthStub;
  }

  /** The status word (SERVING, NOT_SERVING) for a service name; "" is the server as a whole. */
  check(service: string): Promise<string> {
    return new Promise((resolve, reject) =>
      this.stub.Check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))),
    );
  }

  /** Opens Watch(service); every status received is pushed onto `seen`. Cancel it when done. */
  watch(service: string, seen: string[]): grpc.ClientReadableStream<{ status: string }> {
    const stream = this.stub.Watch({ service });
    stream.on('data', (r: { status: string }) => void seen.push(r.status));
    stream.on('error', () => undefined); // CANCELLED when the caller ends it
    return stream;
  }

  close(): void {
    this.stub.close();
  }
}
