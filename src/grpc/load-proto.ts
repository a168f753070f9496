// Loads proto/externalscaler.proto with the options every part of the project must share.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * keepCase: KEDA's field names are camelCase already. longs: String keeps int64 exact (KEDA's
 * targetSize / metricValue). defaults: proto3 zero values are present on decoded messages.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** proto/ sits at the package root, both from src/ (ts-jest) and from dist/src/ (built). */
export function protoPath(file = 'externalscaler.proto'): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'proto', file);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find proto/${file} above ${__dirname}`);
}

export function loadExternalScalerPackage(): {
  definition: protoLoader.PackageDefinition;
  service: grpc.ServiceDefinition;
  clientConstructor: grpc.ServiceClientConstructor;
} {
  const definition = protoLoader.loadSync(protoPath(), PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: grpc.ServiceClientConstructor };
  };
  const clientConstructor = loaded.externalscaler.ExternalScaler;
  return { definition, service: clientConstructor.service, clientConstructor };
}
