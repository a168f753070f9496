// The Helm chart's values.schema.json, derived from the one configuration schema in
// src/config/schema.ts (`npm run schema` writes it next to config.schema.json). `helm install`,
// `helm template` and `helm lint` validate values against it, so a bad value is refused with the
// field's path before anything reaches a cluster.
import { ConfigSchema } from '../src/config/schema';

export const VALUES_SCHEMA_PATH = 'charts/keda-prometheus-scaler/values.schema.json';

type Json = Record<string, unknown>;

/** A key of an existing Secret: what every `…File` key of a source becomes in values (`…Files` maps: each value). */
const SecretKeyRef = (description: string): Json => ({
  type: 'object',
  description: `${description} From an existing Secret in the release namespace, mounted read-only.`,
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name of the Secret.' },
    key: { type: 'string', minLength: 1, description: 'Key in the Secret.' },
  },
  required: ['name', 'key'],
  additionalProperties: false,
});

/** A refusal's wording in values: the `xFile(s)` keys it names are `xSecret(s)` there. */
const valuesWording = (rule: string): string => rule.replace(/\b(\w+)File(s?)\b/g, '$1Secret$2');

/**
 * A source as values write it: the configuration's source with each `xFile` path replaced by
 * `xSecret: {name, key}`, so that credentials only ever come from Secrets the user already has
 * (the chart mounts them and writes the file paths); `required` and the refusals that say where a
 * credential goes instead (credential-rules.ts) follow the rename.
 */
function secretsForFiles(node: Json): Json {
  const out: Json = { ...node };
  if (typeof node['const'] === 'string') out['const'] = valuesWording(node['const']);
  if (node['then'] !== undefined) out['then'] = secretsForFiles(node['then'] as Json);
  if (node['patternProperties'] !== undefined) {
    out['patternProperties'] = Object.fromEntries(
      Object.entries(node['patternProperties'] as Record<string, Json>).map(([k, v]) => [
        k,
        secretsForFiles(v),
      ]),
    );
  }
  if (node['properties'] !== undefined) {
    const properties: Json = {};
    for (const [key, child] of Object.entries(node['properties'] as Record<string, Json>)) {
      const description = typeof child['description'] === 'string' ? child['description'] : '';
      if (key.endsWith('File') && child['type'] === 'string') {
        properties[`${key.slice(0, -'File'.length)}Secret`] = SecretKeyRef(description);
      } else if (key.endsWith('Files') && child['type'] === 'object') {
        // A map of files (headerFiles): each value a Secret key, the map's own keys unchanged.
        properties[`${key.slice(0, -'Files'.length)}Secrets`] = {
          type: 'object',
          default: {},
          description: `${valuesWording(description)} Here each value is {name, key} of an existing Secret in the release namespace (mounted read-only) instead of a file path.`,
          additionalProperties: SecretKeyRef('The Secret key holding the header value.'),
        };
      } else {
        properties[key] = secretsForFiles(child);
      }
    }
    out['properties'] = properties;
    if (Array.isArray(node['required'])) {
      out['required'] = (node['required'] as string[]).map(k =>
        k.endsWith('File') ? `${k.slice(0, -'File'.length)}Secret` : k,
      );
    }
  }
  if (node['items'] !== undefined) out['items'] = secretsForFiles(node['items'] as Json);
  if (node['anyOf'] !== undefined) out['anyOf'] = (node['anyOf'] as Json[]).map(secretsForFiles);
  if (node['allOf'] !== undefined) out['allOf'] = (node['allOf'] as Json[]).map(secretsForFiles);
  return out;
}

/** Keys of the configuration file that the chart writes itself (ports, peers, TLS, webhook). */
const CHART_OWNED = ['grpcAddress', 'httpAddress', 'tls'] as const;
const CHART_OWNED_PUSH = ['alertmanagerTokenFile', 'peers'] as const;

/** `config:` in values: the configuration file less what the chart owns, files as Secrets. */
export function configValuesSchema(): Json {
  const config = JSON.parse(JSON.stringify(ConfigSchema)) as Json & {
    properties: Record<string, Json>;
  };
  for (const key of CHART_OWNED) delete config.properties[key];
  const push = config.properties['push'] as Json & { properties: Record<string, Json> };
  for (const key of CHART_OWNED_PUSH) delete push.properties[key];
  config.properties['sources'] = secretsForFiles(config.properties['sources']!);
  config['description'] =
    'The configuration file (docs/configuration.md), except what the chart writes itself: grpcAddress and httpAddress (ports), tls (tls), push.alertmanagerTokenFile (webhook) and push.peers (the headless Service). Every `…File` key of a source is `…Secret: {name, key}` here.';
  return config;
}

/** The gRPC TLS settings that pass through to the configuration's `tls` (no file paths). */
function tlsPassThrough(): Record<string, Json> {
  const tls = JSON.parse(JSON.stringify(ConfigSchema.properties.tls)) as {
    properties: Record<string, Json>;
  };
  return Object.fromEntries(
    Object.entries(tls.properties).filter(([key]) => !key.endsWith('File')),
  );
}

const obj = (properties: Record<string, Json>, description: string): Json => ({
  type: 'object',
  description,
  properties,
  additionalProperties: false,
});
const str = (description: string, extra: Json = {}): Json => ({
  type: 'string',
  description,
  ...extra,
});
const bool = (description: string): Json => ({ type: 'boolean', description });
const int = (description: string, minimum = 0): Json => ({
  type: 'integer',
  minimum,
  description,
});
/** Kubernetes objects passed through verbatim (resources, affinity, selectors, labels). */
const anyObject = (description: string): Json => ({ type: 'object', description });
const anyList = (description: string): Json => ({ type: 'array', description });
const stringMap = (description: string): Json => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});
const port = (description: string): Json => ({
  type: 'integer',
  minimum: 1,
  maximum: 65535,
  description,
});

/** The whole values.schema.json. */
export function valuesSchema(): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'keda-prometheus-scaler Helm chart values',
    ...obj(
      {
        nameOverride: str('Replaces the chart name in object names.'),
        fullnameOverride: str('Replaces the whole object name (default: release-chart).'),
        additionalLabels: stringMap('Labels added to every object.'),
        image: obj(
          {
            repository: str('Image repository (the image you build from the Dockerfile).', {
              minLength: 1,
            }),
            tag: str('Image tag; empty: the chart appVersion.'),
            digest: str('Image digest; set, it wins over the tag.', {
              pattern: '^(sha256:[0-9a-f]{64})?$',
            }),
            pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], description: 'Pull policy.' },
          },
          'The scaler image.',
        ),
        imagePullSecrets: anyList('Pull secrets ({name}) for the image.'),
        replicaCount: int('Replicas; two or more so that KEDA keeps an answer during a drain.', 1),
        podDisruptionBudget: obj(
          {
            enabled: bool('Create a PodDisruptionBudget.'),
            minAvailable: int('Replicas kept through voluntary disruptions.', 1),
          },
          'PodDisruptionBudget.',
        ),
        topologySpreadConstraints: anyList(
          'Pod topology spread; empty: spread over nodes (kubernetes.io/hostname, ScheduleAnyway).',
        ),
        affinity: anyObject('Pod affinity.'),
        nodeSelector: stringMap('Node selector.'),
        tolerations: anyList('Tolerations.'),
        priorityClassName: str('Priority class of the pods.'),
        podAnnotations: stringMap('Annotations on the pods.'),
        podLabels: stringMap('Labels on the pods.'),
        podSecurityContext: anyObject('Pod securityContext (hardened default, uid 65532).'),
        securityContext: anyObject('Container securityContext (hardened default).'),
        resources: anyObject('Container resources.'),
        heapMaxMegabytes: int(
          'V8 old-space ceiling (--max-old-space-size, MB), below the memory limit.',
          64,
        ),
        terminationGracePeriodSeconds: int(
          'Covers config.shutdown.delay + config.shutdown.grace.',
          1,
        ),
        extraEnv: anyList(
          'Extra environment variables (e.g. AWS_REGION, AZURE_CLIENT_ID for cloud sources).',
        ),
        ports: obj(
          {
            grpc: port('gRPC port (KEDA dials it).'),
            http: port('HTTP port: /metrics, /healthz, /readyz, /alertmanager, peers.'),
          },
          'Container and Service ports.',
        ),
        clusterDomain: str('Cluster DNS domain (scalerAddress, push.peers).', { minLength: 1 }),
        serviceAccount: obj(
          {
            create: bool('Create the ServiceAccount.'),
            name: str('Its name; empty: the release fullname.'),
            annotations: stringMap('Annotations, e.g. eks.amazonaws.com/role-arn for IRSA.'),
            automountToken: bool(
              'Mount an API token; the scaler calls no Kubernetes API, so false.',
            ),
          },
          'ServiceAccount.',
        ),
        config: configValuesSchema(),
        tls: obj(
          {
            enabled: bool(
              'mTLS on the gRPC port: KEDA must present a client certificate signed by the CA.',
            ),
            existingSecret: str(
              'Server Secret you already have (tls.crt, tls.key, ca.crt); empty: cert-manager makes it.',
            ),
            certManager: obj(
              {
                issuerRef: anyObject(
                  '{name, kind, group} of your Issuer or ClusterIssuer; empty: a private CA made by the chart with cert-manager.',
                ),
                duration: str('Leaf certificate lifetime.'),
                renewBefore: str('Renew this long before expiry (the scaler re-reads the files).'),
              },
              'cert-manager Certificates (when existingSecret is empty).',
            ),
            clientSecretName: str(
              "Secret with KEDA's client certificate (ca.crt, tls.crt, tls.key) in keda.namespace.",
              { minLength: 1 },
            ),
            clientCommonName: str("Subject CN of KEDA's client certificate (cert-manager).", {
              minLength: 1,
            }),
            ...tlsPassThrough(),
          },
          'TLS on the gRPC port; certificates from cert-manager or an existing Secret, never from values.',
        ),
        keda: obj(
          {
            namespace: str(
              "KEDA's namespace: where KEDA reads ClusterTriggerAuthentication Secrets.",
              {
                minLength: 1,
              },
            ),
            clusterTriggerAuthentication: obj(
              {
                create: bool('Create it when tls.enabled.'),
                name: str('Its name, for authenticationRef.', { minLength: 1 }),
              },
              'ClusterTriggerAuthentication handing the client certificate to KEDA.',
            ),
          },
          'Where KEDA runs.',
        ),
        webhook: obj(
          {
            existingSecret: str(
              'Secret holding the bearer token Alertmanager sends; empty: POST /alertmanager is off.',
            ),
            key: str('Key of the token in that Secret.', { minLength: 1 }),
          },
          'The Alertmanager webhook (push).',
        ),
        networkPolicy: obj(
          {
            enabled: bool('Create the NetworkPolicy.'),
            grpcFrom: anyList(
              'Peers admitted to the gRPC port; empty: pods app=keda-operator in keda.namespace.',
            ),
            httpFrom: anyList('Peers admitted to the HTTP port; empty: any.'),
          },
          'NetworkPolicy for ingress to the scaler.',
        ),
        metrics: obj(
          {
            serviceMonitor: obj(
              {
                enabled: bool('Create a ServiceMonitor (Prometheus Operator).'),
                additionalLabels: stringMap(
                  "Labels its Prometheus selects, e.g. release: <kube-prometheus-stack's release>.",
                ),
                interval: str('Scrape interval.'),
              },
              'ServiceMonitor.',
            ),
            prometheusRule: obj(
              {
                enabled: bool('Create a PrometheusRule with the alerts of deploy/monitoring.'),
                additionalLabels: stringMap(
                  "Labels its Prometheus selects, e.g. release: <kube-prometheus-stack's release>.",
                ),
              },
              'PrometheusRule.',
            ),
            dashboard: obj(
              {
                enabled: bool("Create the Grafana dashboard ConfigMap (Grafana's sidecar)."),
                labels: stringMap("Labels Grafana's sidecar selects (grafana_dashboard: '1')."),
                annotations: stringMap('Annotations, e.g. a folder for the sidecar.'),
                namespace: str("Namespace of the ConfigMap; empty: the release's."),
              },
              'Grafana dashboard.',
            ),
          },
          'Monitoring objects.',
        ),
      },
      'Values of the keda-prometheus-scaler chart.',
    ),
  };
}

/** The file as committed (two-space JSON, as prettier leaves it). */
export function renderValuesSchema(): string {
  return `${JSON.stringify(valuesSchema(), null, 2)}\n`;
}
