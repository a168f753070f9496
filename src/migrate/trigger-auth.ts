// A built-in prometheus trigger's credentials (its authModes, its TriggerAuthentication's
// parameters and pod identity; KEDA pkg/scalers/prometheus_scaler.go and
// pkg/scalers/authentication/authentication_types.go) → the auth of a scaler source: which files
// it reads, which tenant Secret keys fill them, what is left to a person, what cannot move.
import type { InputObject, Json } from './manifests';
import { isMap, objectName } from './manifests';
import { didYouMean } from '../util/did-you-mean';

/** A field's text; anything else (a map, a list) as empty, which then names nothing. */
export const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : '';

/** Where one auth parameter's value lives. */
export type ParamRef =
  | { via: 'secret' | 'configmap'; namespace: string; name: string; key: string }
  | { via: 'env' | 'vault'; what: string }
  | { via: 'metadata'; value: string };

/**
 * A file the source reads, filled from a tenant's Secret or ConfigMap key, or left empty (`from`
 * undefined: KEDA's basic auth without a password sent an empty one).
 */
export interface CopiedFile {
  /** The key in the scaler namespace's Secret, also the file name under the mount path. */
  key: string;
  from: { via: 'secret' | 'configmap'; namespace: string; name: string; key: string } | undefined;
}

/**
 * A value the configuration holds in the open (a user name, a header's name, a region) that KEDA
 * read from a Secret or ConfigMap: migrate copies no values, so the written configuration holds
 * `placeholder` there until a person writes the value.
 */
export interface FillIn {
  /** The field within the source, e.g. `basicAuth.username`. */
  field: string;
  placeholder: string;
  /** Where the value is, e.g. `the value of Secret web/creds key user`. */
  what: string;
}

export interface AuthPlan {
  /** The source's auth fields, given the directory its Secret is mounted at. */
  fields: (mountPath: string) => Json;
  files: CopiedFile[];
  /** Steps left to a person; the source works only after them. */
  todo: string[];
  /** Values of the configuration only a person can write (their placeholders are written). */
  fillIn: FillIn[];
  /** Why the trigger cannot move (its object then passes through unchanged). */
  cannotMove: string[];
  /** Differences from what KEDA did with the same credentials. */
  warnings: string[];
  /** Triggers with the same identity share a source (with the same URL). */
  identity: string;
}

/** No credentials: the source is the URL alone. */
export const NO_AUTH: AuthPlan = {
  fields: () => ({}),
  files: [],
  todo: [],
  fillIn: [],
  cannotMove: [],
  warnings: [],
  identity: '',
};

/** Parameters KEDA applies only under an authMode (pkg/scalers/authentication, GetAuthConfigs). */
const UNUSED_WITHOUT_MODES = [
  'bearerToken',
  'username',
  'password',
  'ca',
  'cert',
  'key',
  'customAuthHeader',
  'customAuthValue',
  'clientSecret',
];

/**
 * The auth parameters KEDA's prometheus trigger reads (pkg/scalers/authentication Config and
 * pkg/scalers/prometheus_scaler.go: bearer, basic, tls, custom, oauth, aws, azure, gcp).
 */
const KNOWN_PARAMS = [
  ...UNUSED_WITHOUT_MODES,
  'authModes',
  'authMode',
  'token',
  'oauthTokenURI',
  'clientID',
  'scope',
  'scopes',
  'endpointParams',
  'apiKey',
  'awsRegion',
  'awsRoleArn',
  'awsAccessKeyID',
  'awsAccessKeyId',
  'awsSecretAccessKey',
  'identityOwner',
  'cloud',
  'azureManagedPrometheusResourceURL',
  'GoogleApplicationCredentials',
];

/** KEDA's scopes by `cloud` metadata (pkg/scalers/azure/azure_managed_prometheus_http_round_tripper.go). */
const AZURE_SCOPES: Record<string, string> = {
  AZUREPUBLICCLOUD: 'https://prometheus.monitor.azure.com/.default',
  AZUREUSGOVERNMENTCLOUD: 'https://prometheus.monitor.azure.us/.default',
  AZURECHINACLOUD: 'https://prometheus.monitor.azure.cn/.default',
};

/** The TriggerAuthentication's parameters by name (auth params; KEDA resolves them the same way). */
export function authParams(ta: InputObject): Map<string, ParamRef> {
  const spec = isMap(ta.body['spec']) ? ta.body['spec'] : {};
  const params = new Map<string, ParamRef>();
  const list = (field: string): Json[] => {
    const v = spec[field];
    return Array.isArray(v) ? v.filter(isMap) : [];
  };
  // A ClusterTriggerAuthentication's Secrets live in KEDA's namespace (KEDA_CLUSTER_OBJECT_NAMESPACE).
  const secretNamespace = ta.kind === 'ClusterTriggerAuthentication' ? 'keda' : ta.namespace;
  for (const [field, via] of [
    ['secretTargetRef', 'secret'],
    ['configMapTargetRef', 'configmap'],
  ] as const) {
    for (const ref of list(field)) {
      const parameter = text(ref['parameter']);
      params.set(parameter, {
        via,
        namespace: secretNamespace,
        name: text(ref['name']),
        key: text(ref['key']),
      });
    }
  }
  for (const ref of list('env')) {
    params.set(text(ref['parameter']), {
      via: 'env',
      what: `env ${text(ref['name'])} of the target's container`,
    });
  }
  for (const store of ['hashiCorpVault', 'azureKeyVault', 'awsSecretManager', 'gcpSecretManager']) {
    const s = spec[store];
    const entries = isMap(s) && Array.isArray(s['secrets']) ? s['secrets'].filter(isMap) : [];
    for (const e of entries) {
      params.set(text(e['parameter']), { via: 'vault', what: store });
    }
  }
  return params;
}

/** The param's value when it is written in the open (metadata), else a placeholder to fill in. */
function literal(
  ref: ParamRef | undefined,
  field: string,
  fillIn: FillIn[],
  placeholder: string,
): string | undefined {
  if (ref === undefined) return undefined;
  if (ref.via === 'metadata') return ref.value;
  let what = `the value from ${'what' in ref ? ref.what : 'outside'}`;
  if (ref.via === 'secret' || ref.via === 'configmap') {
    const kind = ref.via === 'secret' ? 'Secret' : 'ConfigMap';
    what = `the value of ${kind} ${ref.namespace}/${ref.name} key ${ref.key}`;
  }
  fillIn.push({ field, placeholder, what });
  return placeholder;
}

/**
 * Plans the source auth for one trigger. `metadata` is the trigger's metadata (authModes,
 * awsRegion, cloud and the like may be written there); `ta` its TriggerAuthentication, if any.
 */
export function planAuth(metadata: Record<string, string>, ta: InputObject | undefined): AuthPlan {
  const params = ta === undefined ? new Map<string, ParamRef>() : authParams(ta);
  // Trigger metadata keys KEDA reads in the auth group too (typed_config.go orders).
  for (const key of ['authModes', 'authMode', 'awsRegion', 'identityOwner', 'cloud']) {
    const v = metadata[key]?.trim();
    if (v !== undefined && v !== '' && !params.has(key))
      params.set(key, { via: 'metadata', value: v });
  }
  const spec = ta !== undefined && isMap(ta.body['spec']) ? ta.body['spec'] : {};
  const podIdentity = isMap(spec['podIdentity']) ? spec['podIdentity'] : undefined;
  const provider = typeof podIdentity?.['provider'] === 'string' ? podIdentity['provider'] : 'none';
  const who = ta === undefined ? 'trigger metadata' : objectName(ta);

  const plan: AuthPlan = {
    ...NO_AUTH,
    files: [],
    todo: [],
    fillIn: [],
    cannotMove: [],
    warnings: [],
    identity: ta === undefined ? '' : `${ta.kind}/${ta.namespace}/${ta.name}`,
  };
  const fileOf = (param: string, key: string): ((mount: string) => string) | undefined => {
    const ref = params.get(param);
    if (ref === undefined) return undefined;
    if (ref.via === 'secret' || ref.via === 'configmap') {
      plan.files.push({ key, from: ref });
      return mount => `${mount}/${key}`;
    }
    const where = ref.via === 'env' || ref.via === 'vault' ? ref.what : 'trigger metadata';
    plan.cannotMove.push(
      `${who}: parameter ${param} comes from ${where}, which the scaler cannot read; put it in a Secret (secretTargetRef) first`,
    );
    return undefined;
  };
  const deferred: ((mount: string, out: Json) => void)[] = [];

  // A misspelled parameter KEDA never read: the credential it was meant to carry is missing there
  // and here alike.
  for (const param of params.keys()) {
    const guess = KNOWN_PARAMS.includes(param) ? undefined : didYouMean(param, KNOWN_PARAMS);
    if (guess !== undefined) {
      plan.warnings.push(
        `${who}: parameter ${param}: KEDA's prometheus trigger reads no such parameter (did you mean "${guess}"?); ignored, as KEDA ignored it`,
      );
    }
  }
  const modesRef = params.get('authModes') ?? params.get('authMode');
  for (const [param, ref] of params) {
    if (ref.via === 'env' || ref.via === 'vault') {
      plan.cannotMove.push(
        `${who}: parameter ${param} comes from ${ref.what}; the scaler reads credentials from files in its own namespace only: copy it into a Secret and reference it with secretTargetRef, then run migrate again`,
      );
    }
  }
  if (plan.cannotMove.length > 0) return plan;
  if (modesRef !== undefined && modesRef.via !== 'metadata') {
    plan.cannotMove.push(
      `${who}: authModes is read from ${modesRef.via === 'secret' || modesRef.via === 'configmap' ? `${modesRef.via} ${modesRef.name}` : 'outside'}, so migrate cannot tell which mode applies; write authModes in the trigger metadata`,
    );
    return plan;
  }
  const modes = modesRef === undefined ? [] : modesRef.value.split(',').map(m => m.trim());
  // No TriggerAuthentication and no mode: no credentials, the URL alone names the source.
  if (ta !== undefined || modes.length > 0) plan.identity += `|${modes.join(',')}|${provider}`;

  if (modes.length > 0 && provider !== 'none' && provider !== '') {
    plan.cannotMove.push(
      `${who}: authModes with podIdentity ${provider}: KEDA refuses the pair ("pod identity cannot be enabled with other auth types")`,
    );
    return plan;
  }
  // Header auth: KEDA applies one, in the order bearer, basic, custom.
  const header = ['bearer', 'basic', 'custom'].find(m => modes.includes(m));
  if (header === 'bearer') {
    const file = fileOf(params.has('bearerToken') ? 'bearerToken' : 'token', 'bearerToken');
    if (file !== undefined) deferred.push((m, out) => (out['bearerTokenFile'] = file(m)));
    else if (plan.cannotMove.length === 0) {
      plan.cannotMove.push(`${who}: authModes bearer without a bearerToken parameter`);
    }
  } else if (header === 'basic') {
    const username = literal(
      params.get('username'),
      'basicAuth.username',
      plan.fillIn,
      '<username>',
    );
    const password = fileOf('password', 'password');
    if (username === undefined) {
      plan.cannotMove.push(`${who}: authModes basic without a username parameter`);
    } else if (password !== undefined) {
      deferred.push((m, out) => (out['basicAuth'] = { username, passwordFile: password(m) }));
    } else {
      // KEDA allows an empty password; a source reads it from a file: an empty key of its Secret.
      plan.files.push({ key: 'password', from: undefined });
      deferred.push((m, out) => (out['basicAuth'] = { username, passwordFile: `${m}/password` }));
    }
  } else if (header === 'custom') {
    // The header's name is configuration; its value is a credential, read from a file.
    const name = literal(
      params.get('customAuthHeader'),
      'headerFiles (the header name)',
      plan.fillIn,
      '<Header-Name>',
    );
    const value = fileOf('customAuthValue', 'customAuthValue');
    if (name === undefined) {
      plan.cannotMove.push(`${who}: authModes custom without a customAuthHeader parameter`);
    } else if (value !== undefined) {
      deferred.push((m, out) => (out['headerFiles'] = { [name]: value(m) }));
    } else if (plan.cannotMove.length === 0) {
      plan.cannotMove.push(`${who}: authModes custom without a customAuthValue parameter`);
    }
  }
  for (const m of modes.filter(x => ['bearer', 'basic', 'custom'].includes(x) && x !== header)) {
    plan.warnings.push(
      `authModes ${m}: KEDA applies only one header mode (bearer, then basic, then custom) and ignored ${m}; not moved`,
    );
  }
  // KEDA reads `ca` whatever the mode once authModes is set (pkg/scalers/authentication,
  // GetAuthConfigs sets CA after the mode switch; without authModes it returns no auth at all) and
  // the prometheus scaler then verifies the server against it; a client certificate only with tls.
  const tlsMode = modes.includes('tls');
  if (tlsMode || (modes.length > 0 && params.has('ca'))) {
    const cert = tlsMode ? fileOf('cert', 'tls.crt') : undefined;
    const key = tlsMode ? fileOf('key', 'tls.key') : undefined;
    const ca = fileOf('ca', 'ca.crt');
    deferred.push((m, out) => {
      out['tls'] = {
        ...(ca === undefined ? {} : { caFile: ca(m) }),
        ...(cert === undefined ? {} : { certFile: cert(m) }),
        ...(key === undefined ? {} : { keyFile: key(m) }),
      };
    });
  }
  if (modes.includes('oauth')) {
    plan.warnings.push(
      'authModes oauth: KEDA parses it but never sends a token to Prometheus; the source here fetches one and sends it (docs/migrate.md, deliberate differences)',
    );
    const tokenUrl = literal(
      params.get('oauthTokenURI'),
      'auth.oauth2.tokenUrl',
      plan.fillIn,
      '<token-url>',
    );
    const clientId = literal(
      params.get('clientID'),
      'auth.oauth2.clientId',
      plan.fillIn,
      '<client-id>',
    );
    const secret = fileOf('clientSecret', 'clientSecret');
    const scopes = literal(
      params.get('scopes') ?? params.get('scope'),
      'auth.oauth2.scopes',
      plan.fillIn,
      '<scope>',
    );
    // A source's oauth2 needs all three; KEDA, which never sent a token, did not.
    const missing = [
      tokenUrl === undefined ? 'oauthTokenURI' : '',
      clientId === undefined ? 'clientID' : '',
      secret === undefined ? 'clientSecret' : '',
    ].filter(m => m !== '');
    if (missing.length > 0) {
      plan.cannotMove.push(
        `${who}: authModes oauth without ${missing.join(', ')}: a source's auth.oauth2 needs tokenUrl, clientId and clientSecretFile`,
      );
    } else {
      deferred.push((m, out) => {
        out['auth'] = {
          oauth2: {
            tokenUrl,
            clientId,
            clientSecretFile: secret?.(m),
            ...(scopes === undefined ? {} : { scopes: scopes.split(',').map(s => s.trim()) }),
          },
        };
      });
    }
  }
  if (modes.includes('apiKey')) {
    plan.warnings.push(
      'authModes apiKey: KEDA parses it but never sends the key to Prometheus; not moved (docs/migrate.md, deliberate differences; to send one, set headers on the source)',
    );
  }
  if (modes.length === 0) {
    // Without authModes KEDA applies none of these (GetAuthConfigs returns no auth): the source
    // gets none either, which a user who wrote them likely did not mean.
    const unused = [...params.keys()].filter(p => UNUSED_WITHOUT_MODES.includes(p));
    if (unused.length > 0) {
      plan.warnings.push(
        `${who}: authModes is not set, so KEDA sent none of its parameters ${unused.join(', ')} and the source gets no credentials either; set authModes in the trigger metadata (bearer, basic, tls, custom) if they were meant`,
      );
    }
    planIdentity(params, provider, podIdentity, who, plan, deferred);
  }
  plan.fields = mount => {
    const out: Json = {};
    for (const d of deferred) d(mount, out);
    return out;
  };
  return plan;
}

/** Pod identity and the cloud keys (only when authModes is empty, as in KEDA). */
function planIdentity(
  params: Map<string, ParamRef>,
  provider: string,
  podIdentity: Json | undefined,
  who: string,
  plan: AuthPlan,
  deferred: ((mount: string, out: Json) => void)[],
): void {
  const region = params.get('awsRegion');
  const operator = params.get('identityOwner');
  const staticKeys = ['awsAccessKeyID', 'awsAccessKeyId', 'awsSecretAccessKey'].filter(p =>
    params.has(p),
  );
  const bind = (what: string) =>
    plan.todo.push(
      `the scaler's ServiceAccount must carry the ${what} the tenant's pods had (it runs in the scaler's namespace)`,
    );
  if (
    provider === 'aws' ||
    provider === 'aws-eks' ||
    (operator?.via === 'metadata' && operator.value === 'operator') ||
    params.has('awsRoleArn')
  ) {
    if (staticKeys.length > 0) {
      plan.cannotMove.push(
        `${who}: static AWS keys (${staticKeys.join(', ')}): give the scaler's pod its own AWS credentials (IRSA or EKS Pod Identity) instead`,
      );
      return;
    }
    const regionText = literal(region, 'auth.sigv4.region', plan.fillIn, '<aws-region>');
    if (regionText === undefined) {
      plan.cannotMove.push(
        `${who}: AWS identity without awsRegion (KEDA signs nothing without it)`,
      );
      return;
    }
    const roleArn =
      typeof podIdentity?.['roleArn'] === 'string'
        ? podIdentity['roleArn']
        : literal(params.get('awsRoleArn'), 'auth.sigv4.roleArn', plan.fillIn, '<role-arn>');
    bind('AWS identity (IRSA or EKS Pod Identity)');
    deferred.push((_m, out) => {
      out['auth'] = {
        sigv4: { region: regionText, ...(roleArn === undefined ? {} : { roleArn }) },
      };
    });
    return;
  }
  if (staticKeys.length > 0) {
    plan.cannotMove.push(
      `${who}: static AWS keys (${staticKeys.join(', ')}): give the scaler's pod its own AWS credentials (IRSA or EKS Pod Identity) instead`,
    );
    return;
  }
  if (provider === 'azure-workload') {
    const cloud = params.get('cloud');
    const cloudName = cloud?.via === 'metadata' ? cloud.value.toUpperCase() : 'AZUREPUBLICCLOUD';
    const scope = AZURE_SCOPES[cloudName];
    if (scope === undefined) {
      plan.cannotMove.push(
        `${who}: cloud ${cloudName}: write the source's auth.azure.scope by hand (azureManagedPrometheusResourceURL + /.default)`,
      );
      return;
    }
    const clientId =
      typeof podIdentity?.['identityId'] === 'string' ? podIdentity['identityId'] : undefined;
    bind(
      'Azure workload identity (azure.workload.identity/client-id annotation and federated credential)',
    );
    deferred.push((_m, out) => {
      out['auth'] = { azure: { scope, ...(clientId === undefined ? {} : { clientId }) } };
    });
    return;
  }
  if (provider === 'gcp' || params.has('GoogleApplicationCredentials')) {
    const file = params.has('GoogleApplicationCredentials')
      ? (() => {
          const ref = params.get('GoogleApplicationCredentials');
          if (ref?.via === 'secret' || ref?.via === 'configmap') {
            plan.files.push({ key: 'credentials.json', from: ref });
            return (m: string) => `${m}/credentials.json`;
          }
          return undefined;
        })()
      : undefined;
    if (file === undefined) bind('GCP workload identity');
    deferred.push((m, out) => {
      out['auth'] = { google: file === undefined ? {} : { credentialsFile: file(m) } };
    });
    return;
  }
  if (provider !== 'none' && provider !== '') {
    plan.cannotMove.push(
      `${who}: podIdentity provider ${provider} has no source auth mode here (AWS, Azure and GCP do)`,
    );
  }
}
