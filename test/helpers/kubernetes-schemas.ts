// Validates Kubernetes manifests against published schemas: core kinds with kubernetes-models,
// Prometheus Operator and cert-manager kinds with their @kubernetes-models packages (the CRDs'
// OpenAPI schemas), and KEDA's kinds with KEDA's own CRDs in test/fixtures/keda-crds.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

const ROOT = join(__dirname, '../..');
const KEDA_CRDS = join(ROOT, 'test/fixtures/keda-crds');

export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** KEDA's CRD openAPIV3Schema as an ajv validator (Kubernetes extensions ignored). */
function crdValidator(file: string): ValidateFunction {
  const crd = parseYaml(readFileSync(join(KEDA_CRDS, file), 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: object } }[] };
  };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile(crd.spec.versions[0]!.schema.openAPIV3Schema);
}

export const kedaValidators: Record<string, ValidateFunction> = {
  'keda.sh/v1alpha1/ScaledObject': crdValidator('keda.sh_scaledobjects.yaml'),
  'keda.sh/v1alpha1/TriggerAuthentication': crdValidator('keda.sh_triggerauthentications.yaml'),
  'keda.sh/v1alpha1/ClusterTriggerAuthentication': crdValidator(
    'keda.sh_clustertriggerauthentications.yaml',
  ),
  'keda.sh/v1alpha1/ScaledJob': crdValidator('keda.sh_scaledjobs.yaml'),
};

/**
 * The @kubernetes-models packages are ES modules only, so they run in a child node: it maps each
 * apiVersion to its package, calls the model's validate(), and prints one error line per problem.
 */
const MODELS_SCRIPT = `
const packages = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1alpha1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1',
  'cert-manager.io/v1': '@kubernetes-models/cert-manager/cert-manager.io/v1',
};
const docs = JSON.parse(process.argv[1]);
const errors = [];
for (const doc of docs) {
  const where = doc.kind + ' ' + (doc.metadata && doc.metadata.name);
  const pkg = packages[doc.apiVersion];
  if (pkg === undefined) { errors.push(where + ': no schema for apiVersion ' + doc.apiVersion); continue; }
  let Model;
  try { Model = (await import(pkg + '/' + doc.kind))[doc.kind]; } catch (e) { Model = undefined; }
  if (Model === undefined) { errors.push(where + ': no schema for kind ' + doc.kind + ' in ' + pkg); continue; }
  try { new Model(doc).validate(); } catch (e) { errors.push(where + ': ' + e.message); }
}
process.stdout.write(JSON.stringify(errors));
`;

/** Every problem found, as "Kind name: message"; empty when all validate. */
export function validateManifests(docs: Manifest[]): string[] {
  const errors: string[] = [];
  const others: Manifest[] = [];
  for (const doc of docs) {
    const validate = kedaValidators[`${doc.apiVersion}/${doc.kind}`];
    if (validate === undefined) {
      others.push(doc);
      continue;
    }
    const valid: boolean = validate(doc);
    if (!valid) {
      errors.push(`${doc.kind} ${doc.metadata?.name}: ${JSON.stringify(validate.errors)}`);
    }
  }
  if (others.length === 0) return errors;
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', MODELS_SCRIPT, JSON.stringify(others)],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return [...errors, ...(JSON.parse(out) as string[])];
}
