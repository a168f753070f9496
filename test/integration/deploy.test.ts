// deploy/ checked as a platform team would before applying it: kustomize renders the base and every
// combination of components without warnings, every rendered object and every example validates
// against its published schema (Kubernetes, Prometheus Operator, cert-manager, KEDA's CRDs), the
// base carries no secret values, and the shipped configs and example triggers parse with the
// scaler's own code. deploy-pod.test.ts starts `serve` on what the pods see.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { mergeConfig } from '../../src/config/merge-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';
import { RENDERED, renderedPath } from '../../scripts/render-monitoring';
import type { Manifest } from '../helpers/kubernetes-schemas';
import { kedaValidators, validateManifests } from '../helpers/kubernetes-schemas';
import type { Component, Overlay } from '../helpers/kustomize';
import {
  DEPLOY,
  componentSubsets,
  docsOf,
  kubectlBinary,
  kustomize as kustomizeDir,
  renderOverlay,
} from '../helpers/kustomize';
import { podViewOf } from '../helpers/pod-view';

const ROOT = join(__dirname, '../..');

/**
 * A commented block of deploy/kustomization.yaml (from its `# <first line>` to the next blank
 * line), uncommented: what a user gets by uncommenting it as the file says.
 */
function commentedBlock(firstLine: string): string {
  const lines = readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8').split('\n');
  const start = lines.indexOf(`# ${firstLine}`);
  if (start === -1) throw new Error(`deploy/kustomization.yaml has no "# ${firstLine}" block`);
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('#')) break;
    block.push(line.replace(/^# ?/, ''));
  }
  return `${block.join('\n')}\n`;
}

type Trigger = {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string; kind?: string };
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

const examples = yamlFiles(join(DEPLOY, 'examples')).flatMap(file =>
  docsOf(readFileSync(file, 'utf8')).map(doc => ({ file: relative(ROOT, file), doc })),
);
const scaledObjects = examples.filter(({ doc }) => doc.kind === 'ScaledObject');

describe('examples', () => {
  test('deploy/examples has the three ScaledObjects and the mTLS ClusterTriggerAuthentication', () => {
    expect(scaledObjects.map(s => (s.doc.spec?.['triggers'] as Trigger[])[0]?.type).sort()).toEqual(
      ['external', 'external-push', 'prometheus'],
    );
    // One object for every namespace, its Secret in keda: no per-namespace copies of KEDA's key.
    expect(examples.filter(({ doc }) => doc.kind === 'TriggerAuthentication')).toHaveLength(0);
    const cta = examples.filter(({ doc }) => doc.kind === 'ClusterTriggerAuthentication');
    expect(cta.map(c => c.doc.metadata)).toEqual([{ name: 'keda-prometheus-scaler-mtls' }]);
    expect(cta[0]!.doc).toEqual(
      docsOf(
        readFileSync(join(DEPLOY, 'components/mtls/clustertriggerauthentication.yaml'), 'utf8'),
      )[0],
    );
    const push = scaledObjects.find(
      s => (s.doc.spec?.['triggers'] as Trigger[])[0]?.type === 'external-push',
    )!;
    expect((push.doc.spec?.['triggers'] as Trigger[])[0]!.authenticationRef).toEqual({
      name: 'keda-prometheus-scaler-mtls',
      kind: 'ClusterTriggerAuthentication',
    });
  });

  test('every example validates against its schema (KEDA CRDs, Kubernetes, Prometheus Operator)', () => {
    expect(validateManifests(examples.map(e => e.doc))).toEqual([]);
  });

  test('the schema checks are not vacuous: broken objects are rejected', () => {
    const so = scaledObjects[0]!.doc;
    expect(kedaValidators['keda.sh/v1alpha1/ScaledObject']!({ ...so, spec: {} })).toBe(false);
    expect(
      kedaValidators['keda.sh/v1alpha1/ClusterTriggerAuthentication']!({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ClusterTriggerAuthentication',
        metadata: { name: 'x' },
        spec: { secretTargetRef: [{ parameter: 'caCert' }] },
      }),
    ).toBe(false);
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
  const fileOf = (path: string): unknown => parseYaml(readFileSync(join(DEPLOY, path), 'utf8'));

  test('base: config.yaml and source.yaml merged are a valid configuration with the one source "prometheus"', () => {
    const config = validateConfig(
      mergeConfig(fileOf('base/config.yaml'), fileOf('base/source.yaml')),
    );
    expect(config.sources.map(s => [s.name, s.url])).toEqual([
      ['prometheus', 'http://prometheus-operated.monitoring.svc:9090'],
    ]);
    // The source's URL is named once: serverAddress may use it as is (a configured source).
    expect(config.allowedServerAddresses).toEqual([]);
  });

  test('source.yaml holds only the source, config.yaml everything else, tls.yaml only `tls`', () => {
    expect(Object.keys(fileOf('base/source.yaml') as object)).toEqual(['sources']);
    expect(Object.keys(fileOf('base/config.yaml') as object)).not.toContain('sources');
    expect(Object.keys(fileOf('components/mtls/tls.yaml') as object)).toEqual(['tls']);
  });

  test('source.yaml names both common Prometheus installs', () => {
    const text = readFileSync(join(DEPLOY, 'base/source.yaml'), 'utf8');
    expect(text).toContain('http://prometheus-operated.monitoring.svc:9090');
    expect(text).toContain('http://prometheus-server.<namespace>.svc:80');
  });

  test.each(RENDERED.map(r => [r.path, r.render] as const))(
    'deploy/%s is up to date with deploy/monitoring (npm run render:monitoring)',
    (path, render) => {
      expect(readFileSync(renderedPath(path), 'utf8')).toBe(render());
    },
  );
});

describe('kubectl kustomize', () => {
  const kubectl = kubectlBinary();
  const work = mkdtempSync(join(tmpdir(), 'kps-kustomize-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Renders `dir` (relative to deploy/ or absolute); stderr must be empty: no warnings. */
  const kustomize = (dir: string): Manifest[] => kustomizeDir(resolve(DEPLOY, dir));

  /** A user's overlay: the base plus these components, as docs/install.md "Install" tells (cached). */
  let overlays = 0;
  const rendered = new Map<string, Manifest[]>();
  const withComponents = (
    components: readonly Component[],
    extra: Partial<Overlay> = {},
  ): Manifest[] => {
    const key = JSON.stringify([components, extra]);
    let docs = rendered.get(key);
    if (docs === undefined) {
      docs = renderOverlay(join(work, `overlay-${overlays++}`), { components, ...extra });
      rendered.set(key, docs);
    }
    return docs;
  };

  const subsets = componentSubsets();

  test('kubectl has kustomize v5 (components, labels)', () => {
    const out = spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).stdout;
    expect(out).toMatch(/Kustomize Version: v5\./);
  });

  test('the base renders only core kinds, no Secret, a hardened Deployment probing "answers calls"', () => {
    const docs = kustomize('base');
    expect(docs.map(d => `${d.apiVersion} ${d.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'networking.k8s.io/v1 NetworkPolicy',
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
    // SCALER_CONFIG lists the ConfigMap's two files, mounted at the config volume's path.
    const env = container['env'] as { name: string; value?: string }[];
    expect(env.find(e => e.name === 'SCALER_CONFIG')?.value).toBe(
      '/etc/keda-prometheus-scaler/config/config.yaml:/etc/keda-prometheus-scaler/config/source.yaml',
    );
    expect(Object.keys(configMap.data).sort()).toEqual(['config.yaml', 'source.yaml']);
    const config = validateConfig(
      mergeConfig(
        parseYaml(configMap.data['config.yaml']!),
        parseYaml(configMap.data['source.yaml']!),
      ),
    );
    expect(config.push.alertmanagerTokenFile).toBe('/etc/keda-prometheus-scaler/webhook/token');
    expect(config.sources.every(s => s.bearerTokenFile === undefined)).toBe(true);
  });

  test("the NetworkPolicy admits only KEDA's operator to the gRPC port and anyone to the HTTP port", () => {
    const docs = kustomize('base');
    const policy = docs.find(d => d.kind === 'NetworkPolicy')!;
    const deployment = docs.find(d => d.kind === 'Deployment') as DeploymentDoc & {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    expect(policy.metadata?.name).toBe('keda-prometheus-scaler');
    // It selects the scaler's pods (the Deployment's selector, labels added by the base included).
    expect(policy.spec?.['podSelector']).toEqual({
      matchLabels: deployment.spec.selector.matchLabels,
    });
    expect(policy.spec?.['policyTypes']).toEqual(['Ingress']);
    expect(policy.spec?.['ingress']).toEqual([
      {
        ports: [{ port: 'grpc', protocol: 'TCP' }],
        // Exactly KEDA's operator pods (kedacore/charts: app: keda-operator) in namespace keda;
        // kustomize's label transformer must not have added the scaler's labels here.
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
            podSelector: {
              matchExpressions: [{ key: 'app', operator: 'In', values: ['keda-operator'] }],
            },
          },
        ],
      },
      { ports: [{ port: 'http', protocol: 'TCP' }] },
    ]);
    // The named ports exist on the container.
    const ports = deployment.spec.template.spec.containers[0]!['ports'] as { name: string }[];
    expect(ports.map(p => p.name).sort()).toEqual(['grpc', 'http']);
  });

  test('the documented monitoring labels (deploy/kustomization.yaml) reach only the ServiceMonitor and PrometheusRule', () => {
    const docs = withComponents(['servicemonitor', 'prometheusrule', 'dashboard'], {
      kustomization: commentedBlock('labels:'),
    });
    const labelled = docs.filter(
      d => (d.metadata as { labels?: Record<string, string> }).labels?.['release'] !== undefined,
    );
    expect(labelled.map(d => d.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    expect(
      labelled.map(d => (d.metadata as { labels: Record<string, string> }).labels['release']),
    ).toEqual(['kube-prometheus-stack', 'kube-prometheus-stack']);
    expect(validateManifests(docs)).toEqual([]);
  });

  test('the documented source override (deploy/kustomization.yaml) replaces source.yaml only', () => {
    const mine =
      'sources:\n  - name: prometheus\n    url: http://prometheus-server.monitoring.svc:80\n';
    const docs = withComponents(['mtls'], {
      kustomization: commentedBlock('configMapGenerator:'),
      files: { 'source.yaml': mine },
    });
    const configMap = docs.find(d => d.kind === 'ConfigMap') as Manifest & {
      data: Record<string, string>;
    };
    expect(configMap.data['source.yaml']).toBe(mine);
    const base = kustomize('base').find(d => d.kind === 'ConfigMap') as typeof configMap;
    expect(configMap.data['config.yaml']).toBe(base.data['config.yaml']);
    expect(Object.keys(configMap.data).sort()).toEqual(['config.yaml', 'source.yaml', 'tls.yaml']);
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
      expect(kinds.includes('ClusterTriggerAuthentication')).toBe(components.includes('mtls'));
      expect(kinds.includes('NetworkPolicy')).toBe(true);
      // Namespaced objects in keda; the ClusterTriggerAuthentication is cluster-scoped.
      for (const d of docs) {
        expect([d.kind, d.metadata?.namespace]).toEqual([
          d.kind,
          d.kind === 'ClusterTriggerAuthentication' ? undefined : 'keda',
        ]);
      }
      // The pod is the one of base + its mtls/webhook components (deploy-pod.test.ts starts
      // those four): the monitoring components add nothing the pod reads.
      const podComponents = components.filter(c => c === 'mtls' || c === 'webhook');
      expect(podViewOf(docs)).toEqual(podViewOf(withComponents(podComponents)));
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
    // tls.yaml joins the base's files in the same ConfigMap; they stay as the base has them.
    const base = kustomize('base').find(d => d.kind === 'ConfigMap') as typeof configMap;
    expect(Object.keys(configMap.data).sort()).toEqual(['config.yaml', 'source.yaml', 'tls.yaml']);
    expect(configMap.data['config.yaml']).toBe(base.data['config.yaml']);
    expect(configMap.data['source.yaml']).toBe(base.data['source.yaml']);
    const deployment = docs.find(d => d.kind === 'Deployment') as DeploymentDoc;
    const container = deployment.spec.template.spec.containers[0]!;
    const env = container['env'] as { name: string; value?: string }[];
    const files = env.find(e => e.name === 'SCALER_CONFIG')!.value!.split(':');
    expect(files.map(f => f.replace('/etc/keda-prometheus-scaler/config/', ''))).toEqual([
      'config.yaml',
      'source.yaml',
      'tls.yaml',
    ]);
    const config = validateConfig(
      files
        .map(f => parseYaml(configMap.data[f.split('/').at(-1)!]!) as unknown)
        .reduce(mergeConfig),
    );
    expect(config.tls).toMatchObject({
      clientCaFile: '/etc/keda-prometheus-scaler/tls/ca.crt',
      allowedClientNames: ['keda-operator'],
    });
    // The name the server accepts is the one KEDA's client Certificate carries.
    const client = certificates.find(
      c => c.spec?.['secretName'] === 'keda-prometheus-scaler-client-tls',
    )!;
    expect(config.tls?.allowedClientNames).toEqual([client.spec?.['commonName']]);
    // KEDA gets that Secret from its own namespace through the ClusterTriggerAuthentication.
    const cta = docs.find(d => d.kind === 'ClusterTriggerAuthentication')!;
    expect(cta.metadata).toEqual({ name: 'keda-prometheus-scaler-mtls' });
    expect(
      (cta.spec?.['secretTargetRef'] as { name: string; parameter: string; key: string }[]).map(
        r => [r.parameter, r.name, r.key],
      ),
    ).toEqual([
      ['caCert', 'keda-prometheus-scaler-client-tls', 'ca.crt'],
      ['tlsClientCert', 'keda-prometheus-scaler-client-tls', 'tls.crt'],
      ['tlsClientKey', 'keda-prometheus-scaler-client-tls', 'tls.key'],
    ]);
    expect(client.metadata?.namespace).toBe('keda');
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
