// What `kubectl get -o yaml` adds to an object that is the API server's, not the user's: written
// back, a stale metadata.resourceVersion makes `kubectl apply` fail with 409 Conflict, so every
// object migrate writes goes without them.
import type { Json } from './manifests';
import { isMap } from './manifests';

/**
 * metadata fields the API server sets (Kubernetes API conventions, "Metadata": uid,
 * resourceVersion, generation, creationTimestamp, deletion*, managedFields; selfLink before 1.20).
 */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/** kubectl apply's record of the last applied object: stale once the object changes. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A copy of `body` without the server's fields and `status` (a Kubernetes object's, not a config). */
export function withoutServerFields(body: Json): Json {
  if (!isMap(body['metadata']) || typeof body['kind'] !== 'string') return body;
  const rest: Json = { ...body };
  delete rest['status'];
  const metadata: Json = { ...body['metadata'] };
  for (const field of SERVER_METADATA) delete metadata[field];
  if (isMap(metadata['annotations'])) {
    const annotations: Json = { ...metadata['annotations'] };
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
    else delete metadata['annotations'];
  }
  return { ...rest, metadata };
}
