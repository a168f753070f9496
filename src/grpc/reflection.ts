// gRPC server reflection that Go clients (grpcurl, buf curl) accept: @grpc/reflection names a
// map's entry type after the field ("ScalerMetadata") where Go's protobuf requires
// "<Field>Entry", and rejects the whole file (fullstorydev/grpcurl #519). We rename the entry
// types in the descriptors before serving them.
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { IDescriptorProto, IFileDescriptorProto } from 'protobufjs/ext/descriptor';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { HEALTH_PROTO } from './health';
import { PROTO_LOADER_OPTIONS, protoPath } from './load-proto';

/** protoc's name for a map field's entry type: the field name in CamelCase, plus "Entry". */
export function mapEntryName(fieldName: string): string {
  const camel = fieldName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

/** Renames, in place, every map entry type of `message` and its nested messages. */
export function renameMapEntries(message: IDescriptorProto): void {
  for (const nested of message.nestedType ?? []) renameMapEntries(nested);
  for (const nested of message.nestedType ?? []) {
    const oldName = nested.name ?? '';
    if (nested.options?.mapEntry !== true || oldName.endsWith('Entry')) continue;
    const field = (message.field ?? []).find(
      f => f.typeName === oldName || (f.typeName ?? '').endsWith(`.${oldName}`),
    );
    const typeName = field?.typeName;
    if (field?.name === undefined || field.name === null || typeof typeName !== 'string') continue;
    const newName = mapEntryName(field.name);
    field.typeName = `${typeName.slice(0, typeName.length - oldName.length)}${newName}`;
    nested.name = newName;
  }
}

/** Rewrites the serialized file descriptors of a package definition. */
export function fixMapEntryDescriptors(definition: protoLoader.PackageDefinition): void {
  const rewritten = new Map<string, Buffer>();
  for (const entry of Object.values(definition)) {
    const files = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    if (!Array.isArray(files)) continue;
    (entry as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos = files.map(bytes => {
      const id = Buffer.from(bytes).toString('base64');
      let fixed = rewritten.get(id);
      if (fixed === undefined) {
        const file = FileDescriptorProto.decode(bytes) as unknown as IFileDescriptorProto;
        for (const message of file.messageType ?? []) renameMapEntries(message);
        fixed = Buffer.from(FileDescriptorProto.encode(file as never).finish());
        rewritten.set(id, fixed);
      }
      return fixed;
    });
  }
}

/** Adds reflection for the ExternalScaler and health services to `server`. */
export function addReflection(server: grpc.Server): void {
  const definition = protoLoader.loadSync(
    [protoPath(), protoPath(HEALTH_PROTO)],
    PROTO_LOADER_OPTIONS,
  );
  fixMapEntryDescriptors(definition);
  new ReflectionService(definition).addToServer(server);
}
