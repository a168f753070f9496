// deploy/ checked as a platform team would before applying it: kustomize renders the base and the
// mTLS overlay, every ScaledObject and TriggerAuthentication validates against KEDA's real CRD
// schemas, the example triggers and the shipped configs parse with the scaler's own code.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';
import { requireBinary } from '../helpers/prometheus';

const ROOT = join(__dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
/** KEDA's CRDs, kept in shared/ beside the clone (CI has it there); override with KPS_KEDA_CRDS. */
const CRDS = process.env['KPS_KEDA_CRDS'] ?? join(ROOT, '../shared/keda-crds');
if (!existsSync(join(CRDS, 'keda.sh_scaledobjects.yaml'))) {
  throw new Error(
    `KEDA's CRD schemas are not in ${CRDS}: set KPS_KEDA_CRDS to the folder holding keda.sh_scaledobjects.yaml`,
  );
}

type Doc = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
};
type Trigger = {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') && name !== 'kustomization.yaml' && name !== 'config.yaml'
      ? [path]
      : [];
  });
}

function docsOf(text: string): Doc[] {
  return parseAllDocuments(text)
    .map(d => d.toJSON() as Doc)
    .filter(d => d !== null);
}

/** KEDA's CRD openAPIV3Schema as an ajv validator (Kubernetes extensions ignored). */
function crdValidator(file: string): ValidateFunction {
  const crd = parseYaml(readFileSync(join(CRDS, file), 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: object } }[] };
  };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile(crd.spec.versions[0]!.schema.openAPIV3Schema);
}

const validators: Record<string, ValidateFunction> = {
  ScaledObject: crdValidator('keda.sh_scaledobjects.yaml'),
  TriggerAuthentication: crdValidator('keda.sh_triggerauthentications.yaml'),
};

const allDocs = yamlFiles(DEPLOY).flatMap(file =>
  docsOf(readFileSync(file, 'utf8')).map(doc => ({ file: relative(ROOT, file), doc })),
);
const kedaDocs = allDocs.filter(({ doc }) => doc.kind !== undefined && doc.kind in validators);
const scaledObjects = kedaDocs.filter(({ doc }) => doc.kind === 'ScaledObject');

test('deploy/ has the three ScaledObject examples and the mTLS TriggerAuthentication', () => {
  expect(scaledObjects.map(s => (s.doc.spec?.['triggers'] as Trigger[])[0]?.type).sort()).toEqual([
    'external',
    'external-push',
    'prometheus',
  ]);
  expect(kedaDocs.filter(({ doc }) => doc.kind === 'TriggerAuthentication')).toHaveLength(1);
});

test.each(kedaDocs.map(d => [`${d.file} (${d.doc.kind} ${d.doc.metadata?.name})`, d.doc] as const))(
  "%s validates against KEDA's CRD schema",
  (_name, doc) => {
    const validate = validators[doc.kind ?? ''] as ValidateFunction;
    const valid = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  },
);

test('the CRD check is not vacuous: a ScaledObject without triggers is rejected', () => {
  const broken = { ...scaledObjects[0]!.doc, spec: { scaleTargetRef: { name: 'x' } } };
  expect(validators['ScaledObject']!(broken)).toBe(false);
});

test.each(scaledObjects.map(s => [s.file, s.doc] as const))(
  "%s: every trigger's metadata parses with the scaler's parser",
  (_file, doc) => {
    for (const trigger of doc.spec?.['triggers'] as Trigger[]) {
      // The built-in prometheus trigger's metadata must parse too: that is the drop-in promise.
      expect(() => parseTrigger(trigger.metadata)).not.toThrow();
    }
  },
);

test('the external example is the built-in one plus scalerAddress (and an added key)', () => {
  const triggerOf = (type: string): Trigger =>
    (
      scaledObjects.find(s => (s.doc.spec?.['triggers'] as Trigger[])[0]?.type === type)!.doc
        .spec?.['triggers'] as Trigger[]
    )[0]!;
  const builtIn = triggerOf('prometheus').metadata;
  const external = triggerOf('external').metadata;
  expect(external).toMatchObject(builtIn);
  expect(
    Object.keys(external)
      .filter(k => !(k in builtIn))
      .sort(),
  ).toEqual(['maxStaleness', 'scalerAddress']);
});

test.each([['deploy/base/config.yaml'], ['deploy/overlays/mtls/config.yaml']])(
  '%s is a valid scaler configuration',
  file => {
    const config = validateConfig(parseYaml(readFileSync(join(ROOT, file), 'utf8')));
    expect(config.sources.map(s => s.name)).toEqual(['prometheus']);
  },
);

describe('kubectl kustomize', () => {
  const render = (dir: string): Doc[] => {
    const kubectl = requireBinary(
      'kubectl',
      'apt-get install -y kubernetes-client (bash scripts/test.sh installs it)',
    );
    return docsOf(
      execFileSync(kubectl, ['kustomize', join(DEPLOY, dir)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  };

  test('the base renders a hardened two-replica Deployment with gRPC probes behind a headless Service', () => {
    const docs = render('base');
    expect(docs.map(d => d.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ].sort(),
    );
    const deployment = docs.find(d => d.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] };
        };
      };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container['securityContext']).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    const requests = (container['resources'] as { requests?: Record<string, string> }).requests;
    expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(container['livenessProbe']).toMatchObject({ grpc: { port: 6000, service: '' } });
    expect(container['readinessProbe']).toMatchObject({
      grpc: { port: 6000, service: 'externalscaler.ExternalScaler' },
    });
    const service = docs.find(d => d.kind === 'Service');
    expect(service?.spec?.['clusterIP']).toBe('None');
    // The config the Deployment mounts is the one rendered next to it (hashed name substituted).
    const configMap = docs.find(d => d.kind === 'ConfigMap') as unknown as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(JSON.stringify(deployment)).toContain(configMap.metadata.name);
    expect(() => validateConfig(parseYaml(configMap.data['config.yaml'] ?? ''))).not.toThrow();
  });

  test('the mTLS overlay adds the certificate, TLS config and HTTP probes', () => {
    const docs = render('overlays/mtls');
    expect(docs.map(d => d.kind)).toContain('Certificate');
    const configMap = docs.find(d => d.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    expect(validateConfig(parseYaml(configMap.data['config.yaml'] ?? '')).tls?.clientCaFile).toBe(
      '/etc/keda-prometheus-scaler/tls/ca.crt',
    );
    const text = JSON.stringify(docs.find(d => d.kind === 'Deployment'));
    expect(text).toContain('"httpGet":{"path":"/readyz"');
    expect(text).not.toContain('"grpc":');
  });
});
