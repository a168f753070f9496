// deploy/ checked as a platform team would before applying it: kustomize renders the base and every
// combination of components without warnings, every rendered object and every example validates
// against its published schema (Kubernetes, Prometheus Operator, cert-manager, KEDA's CRDs), the
// base carries no secret values, and the shipped configs and example triggers parse with the
// scaler's own code.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';
import { RENDERED, renderedPath } from '../../scripts/render-monitoring';
import type { Manifest } from '../helpers/kubernetes-schemas';
import { kedaValidators, validateManifests } from '../helpers/kubernetes-schemas';
import { requireBinary } from '../helpers/prometheus';

const ROOT = join(__dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const COMPONENTS = ['servicemonitor', 'prometheusrule', 'dashboard', 'mtls', 'webhook'] as const;
type Component = (typeof COMPONENTS)[number];

type Trigger = {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
};
type Container = Record<string, unknown> & { volumeMounts?: { name: string }[] };
type DeploymentDoc = Manifest & {
  spec: {
    replicas: number;
    template: {
      spec: {
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes: (Record<string, unknown> & { name: string })[];
      };
    };
  };
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

function docsOf(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map(d => d.toJSON() as Manifest)
    .filter(d => d !== null);
}

const examples = yamlFiles(join(DEPLOY, 'examples')).flatMap(file =>
  docsOf(readFileSync(file, 'utf8')).map(doc => ({ file: relative(ROOT, file), doc })),
);
const scaledObjects = examples.filter(({ doc }) => doc.kind === 'ScaledObject');

describe('examples', () => {
  test('deploy/examples has the three ScaledObjects and the mTLS TriggerAuthentication', () => {
    expect(scaledObjects.map(s => (s.doc.spec?.['triggers'] as Trigger[])[0]?.type).sort()).toEqual(
      ['external', 'external-push', 'prometheus'],
    );
    expect(examples.filter(({ doc }) => doc.kind === 'TriggerAuthentication')).toHaveLength(1);
  });

  test('every example validates against its schema (KEDA CRDs, Kubernetes, Prometheus Operator)', () => {
    expect(validateManifests(examples.map(e => e.doc))).toEqual([]);
  });

  test('the schema checks are not vacuous: broken objects are rejected', () => {
    const so = scaledObjects[0]!.doc;
    expect(kedaValidators['keda.sh/v1alpha1/ScaledObject']!({ ...so, spec: {} })).toBe(false);
    const deployment = examples.find(e => e.doc.kind === 'Deployment')!.doc;
    const errors = validateManifests([
      { ...deployment, spec: { ...deployment.spec, replicas: 'two' } },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    ]);
    expect(errors).toEqual([
      expect.stringMatching(/^Deployment .*replicas must be integer/),
      'Widget w: no schema for apiVersion example.com/v1',
    ]);
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
});

describe('configuration files', () => {
  test.each([['deploy/base/config.yaml'], ['deploy/components/mtls/config.yaml']])(
    '%s is a valid scaler configuration',
    file => {
      const config = validateConfig(parseYaml(readFileSync(join(ROOT, file), 'utf8')));
      expect(config.sources.map(s => s.name)).toEqual(['prometheus']);
    },
  );

  test("the mtls component's config is the base's plus `tls` and nothing else", () => {
    const base = parseYaml(readFileSync(join(DEPLOY, 'base/config.yaml'), 'utf8')) as object;
    const mtls = parseYaml(readFileSync(join(DEPLOY, 'components/mtls/config.yaml'), 'utf8')) as {
      tls: unknown;
    };
    const { tls, ...rest } = mtls;
    expect(rest).toEqual(base);
    expect(tls).toBeDefined();
  });

  test.each(RENDERED.map(r => [r.path, r.render] as const))(
    'deploy/%s is up to date with deploy/monitoring (npm run render:monitoring)',
    (path, render) => {
      expect(readFileSync(renderedPath(path), 'utf8')).toBe(render());
    },
  );
});

describe('kubectl kustomize', () => {
  const kubectl = requireBinary(
    'kubectl',
    'install kubectl with kustomize v5 (Debian 12 kubernetes-client 1.20 is too old for components)',
  );
  const work = mkdtempSync(join(tmpdir(), 'kps-kustomize-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Renders `dir` (relative to deploy/ or absolute); stderr must be empty: no warnings. */
  const kustomize = (dir: string): Manifest[] => {
    const result = spawnSync(kubectl, ['kustomize', resolve(DEPLOY, dir)], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return docsOf(result.stdout);
  };

  /** A user's overlay: the base plus these components, as docs/install.md "Install" tells. */
  let overlays = 0;
  const withComponents = (components: readonly Component[]): Manifest[] => {
    const dir = join(work, `overlay-${overlays++}`);
    cpSync(join(DEPLOY, 'components/webhook'), join(dir, 'webhook'), { recursive: true });
    // The token file the user writes before adding the webhook component.
    writeFileSync(join(dir, 'webhook/alertmanager-webhook-token'), 'test-token\n');
    const up = relative(dir, DEPLOY);
    const lines = components.map(
      c => `  - ${c === 'webhook' ? 'webhook' : `${up}/components/${c}`}`,
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${up}/base\n` +
        (lines.length > 0 ? `components:\n${lines.join('\n')}\n` : ''),
    );
    return kustomize(dir);
  };

  const subsets: Component[][] = [];
  for (let mask = 0; mask < 1 << COMPONENTS.length; mask++) {
    subsets.push(COMPONENTS.filter((_c, i) => (mask & (1 << i)) !== 0));
  }

  test('kubectl has kustomize v5 (components, labels)', () => {
    const out = spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).stdout;
    expect(out).toMatch(/Kustomize Version: v5\./);
  });

  test('the base renders only core kinds, no Secret, a hardened Deployment probing "answers calls"', () => {
    const docs = kustomize('base');
    expect(docs.map(d => `${d.apiVersion} ${d.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'policy/v1 PodDisruptionBudget',
      'v1 ConfigMap',
      'v1 Service',
      'v1 ServiceAccount',
    ]);
    expect(docs.every(d => d.metadata?.namespace === 'keda')).toBe(true);
    const deployment = docs.find(d => d.kind === 'Deployment') as DeploymentDoc;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container['image']).toBe('keda-prometheus-scaler:0.1.0');
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
    // The webhook token is an optional Secret that the base does not create: the pods start.
    expect(deployment.spec.template.spec.volumes).toContainEqual({
      name: 'webhook',
      secret: { secretName: 'keda-prometheus-scaler-webhook', optional: true },
    });
    const service = docs.find(d => d.kind === 'Service');
    expect(service?.spec?.['clusterIP']).toBe('None');
    // The config the Deployment mounts is the one rendered next to it (hashed name substituted).
    const configMap = docs.find(d => d.kind === 'ConfigMap') as Manifest & {
      data: Record<string, string>;
    };
    expect(JSON.stringify(deployment)).toContain(configMap.metadata!.name!);
    const config = validateConfig(parseYaml(configMap.data['config.yaml'] ?? ''));
    expect(config.push.alertmanagerTokenFile).toBe('/etc/keda-prometheus-scaler/webhook/token');
    expect(config.sources.every(s => s.bearerTokenFile === undefined)).toBe(true);
  });

  test('deploy/kustomization.yaml (every component commented out) renders the base', () => {
    expect(kustomize('.')).toEqual(kustomize('base'));
  });

  test.each(subsets.map(s => [s.length === 0 ? '(none)' : s.join(' + '), s] as const))(
    'base + %s renders without warnings and every object validates',
    (_name, components) => {
      const docs = withComponents(components);
      expect(validateManifests(docs)).toEqual([]);
      const kinds = docs.map(d => d.kind);
      expect(kinds.includes('ServiceMonitor')).toBe(components.includes('servicemonitor'));
      expect(kinds.includes('PrometheusRule')).toBe(components.includes('prometheusrule'));
      expect(kinds.includes('Issuer')).toBe(components.includes('mtls'));
      expect(kinds.includes('Secret')).toBe(components.includes('webhook'));
      expect(docs.every(d => d.metadata?.namespace === 'keda')).toBe(true);
    },
  );

  test('mtls: its own CA chain, TLS config, HTTP probes on /readyz, the server Secret mounted', () => {
    const docs = withComponents(['mtls']);
    const issuers = docs.filter(d => d.kind === 'Issuer');
    expect(issuers.map(i => Object.keys(i.spec ?? {})[0]).sort()).toEqual(['ca', 'selfSigned']);
    const certificates = docs.filter(d => d.kind === 'Certificate');
    const ca = certificates.find(c => c.spec?.['isCA'] === true)!;
    expect((ca.spec?.['issuerRef'] as { name: string }).name).toBe(
      issuers.find(i => 'selfSigned' in (i.spec ?? {}))!.metadata!.name,
    );
    const caIssuer = issuers.find(i => 'ca' in (i.spec ?? {}))!;
    expect((caIssuer.spec?.['ca'] as { secretName: string }).secretName).toBe(
      ca.spec?.['secretName'],
    );
    for (const leaf of certificates.filter(c => c !== ca)) {
      expect((leaf.spec?.['issuerRef'] as { name: string }).name).toBe(caIssuer.metadata!.name);
    }
    const configMap = docs.find(d => d.kind === 'ConfigMap') as Manifest & {
      data: Record<string, string>;
    };
    expect(validateConfig(parseYaml(configMap.data['config.yaml'] ?? '')).tls?.clientCaFile).toBe(
      '/etc/keda-prometheus-scaler/tls/ca.crt',
    );
    const deployment = docs.find(d => d.kind === 'Deployment') as DeploymentDoc;
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container['readinessProbe']).toEqual(
      expect.objectContaining({ httpGet: { path: '/readyz', port: 'http' } }),
    );
    expect(JSON.stringify(deployment)).not.toContain('"grpc":');
    expect(deployment.spec.template.spec.volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'keda-prometheus-scaler-tls' },
    });
  });

  test('webhook: the Secret comes from the token file and the Deployment mounts it by its hashed name', () => {
    const docs = withComponents(['webhook']);
    const secret = docs.find(d => d.kind === 'Secret') as Manifest & {
      data: Record<string, string>;
    };
    expect(Buffer.from(secret.data['token'] ?? '', 'base64').toString()).toBe('test-token\n');
    const deployment = docs.find(d => d.kind === 'Deployment') as DeploymentDoc;
    expect(deployment.spec.template.spec.volumes).toContainEqual({
      name: 'webhook',
      secret: { secretName: secret.metadata!.name, optional: true },
    });
  });

  test('webhook without the token file fails loudly, naming the file', () => {
    const result = spawnSync(kubectl, ['kustomize', join(DEPLOY, 'components/webhook')], {
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('alertmanager-webhook-token');
  });
});
