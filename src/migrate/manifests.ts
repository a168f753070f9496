// The input of `migrate`: files (or standard input) of multi-document YAML, `kubectl get -o yaml`
// List output flattened into its items, and prometheus-adapter's plain config.yaml, each object
// named by where it came from. Bounded in bytes, documents and YAML aliases.
import { parseAllDocuments } from 'yaml';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { clip, quote } from '../util/echo';

/** Input that is not what `migrate` reads: the command stops with exit 2 and writes nothing. */
export class MigrateInputError extends Error {
  override readonly name = 'MigrateInputError';
}

/**
 * Bytes in one input: `kubectl get scaledobjects -A -o yaml` of the largest clusters reported
 * (~1,500 ScaledObjects, kedacore/keda #3670) is about 5 MB; 64 MiB is far above it and keeps a
 * wrong file (a disk image, /dev/zero) from filling the memory.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Objects in all inputs together (documents and List items). */
export const MAX_OBJECTS = 50_000;

/**
 * YAML aliases per document: the yaml package's default (100) stops a "billion laughs" expansion;
 * manifests use none.
 */
const MAX_ALIASES = 100;

export type Json = Record<string, unknown>;
export const isMap = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One object read, with the place it came from for every message that names it. */
export interface InputObject {
  /** `file.yaml`, `file.yaml#3` (the third document), `file.yaml#3.items[2]` (a List item). */
  origin: string;
  /** The object as parsed (a copy is made before any change). */
  body: Json;
  /** `kind` (empty for prometheus-adapter's plain config.yaml). */
  kind: string;
  /** `apiVersion`'s group (`keda.sh`, `autoscaling`, `apps`; empty for the core group). */
  group: string;
  name: string;
  /** metadata.namespace; `default` when a namespaced object names none (kubectl's default). */
  namespace: string;
}

/** Kinds of the keda.sh group `migrate` knows; any other keda.sh kind is bad input. */
export const KEDA_KINDS = [
  'ScaledObject',
  'ScaledJob',
  'TriggerAuthentication',
  'ClusterTriggerAuthentication',
];

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects), as the report names it. */
export function objectName(o: Pick<InputObject, 'kind' | 'namespace' | 'name'>): string {
  if (o.kind === '') return 'prometheus-adapter config';
  return o.kind.startsWith('Cluster')
    ? `${o.kind} ${o.name}`
    : `${o.kind} ${o.namespace}/${o.name}`;
}

/** Reads every object of one input's text. @throws {@link MigrateInputError} */
export function readObjects(text: string, file: string): InputObject[] {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_INPUT_BYTES) {
    throw new MigrateInputError(`${file}: ${bytes} bytes; at most ${MAX_INPUT_BYTES} are read`);
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  // A single document that is not a stream still comes back as one document.
  const list = Array.isArray(docs) ? docs : [docs];
  const out: InputObject[] = [];
  const several = list.length > 1;
  for (const [i, doc] of list.entries()) {
    const origin = several ? `${file}#${i + 1}` : file;
    const error = doc.errors[0];
    if (error !== undefined) {
      throw new MigrateInputError(
        `${origin}: not YAML: ${clip(error.message.split('\n')[0] ?? '')}`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      throw new MigrateInputError(`${origin}: not YAML: ${clip((e as Error).message)}`);
    }
    if (value === null || value === undefined) continue; // an empty document (`---` at the end)
    if (!isMap(value)) throw new MigrateInputError(`${origin}: must be a mapping (an object)`);
    out.push(...flatten(value, origin));
    if (out.length > MAX_OBJECTS) {
      throw new MigrateInputError(`${file}: more than ${MAX_OBJECTS} objects`);
    }
  }
  return out;
}

/** An object, or a List's items (kubectl get -o yaml prints a `kind: List`). */
function flatten(value: Json, origin: string): InputObject[] {
  const kind = typeof value['kind'] === 'string' ? value['kind'] : undefined;
  if (kind !== undefined && kind.endsWith('List') && Array.isArray(value['items'])) {
    return value['items'].flatMap((item: unknown, i) => {
      const at = `${origin}.items[${i}]`;
      if (!isMap(item)) throw new MigrateInputError(`${at}: must be a mapping (an object)`);
      return flatten(item, at);
    });
  }
  return [describe(value, origin)];
}

function describe(body: Json, origin: string): InputObject {
  const kind = body['kind'];
  const apiVersion = body['apiVersion'];
  if (kind === undefined && apiVersion === undefined) {
    // prometheus-adapter's own config.yaml has neither; anything else without them is no object.
    if (['rules', 'externalRules', 'resourceRules'].some(k => k in body)) {
      return { origin, body, kind: '', group: '', name: 'config.yaml', namespace: '' };
    }
    throw new MigrateInputError(
      `${origin}: neither a Kubernetes object (no apiVersion and kind) nor a prometheus-adapter configuration (no rules, externalRules or resourceRules)`,
    );
  }
  if (typeof kind !== 'string' || kind === '') {
    throw new MigrateInputError(`${origin}: kind: must be a non-empty string`);
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new MigrateInputError(`${origin}: apiVersion: must be a non-empty string`);
  }
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'keda.sh' && !KEDA_KINDS.includes(kind)) {
    throw new MigrateInputError(
      `${origin}: kind: unknown keda.sh kind ${quote(kind)}${didYouMeanSuffix(kind, KEDA_KINDS)}`,
    );
  }
  const metadata = isMap(body['metadata']) ? body['metadata'] : {};
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    throw new MigrateInputError(`${origin}: metadata.name: must be a non-empty string`);
  }
  const namespace = metadata['namespace'];
  return {
    origin,
    body,
    kind,
    group,
    name,
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : 'default',
  };
}
