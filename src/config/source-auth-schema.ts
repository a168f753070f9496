// The schema of a source's `auth:` block: one of AWS SigV4, OAuth2 client credentials, Azure
// Monitor or Google Cloud identities, and the rule that one credential or header has one origin.
import { always, between, section } from './schema-reader';
import { anyHttpUrl, stringList, stringMap, text, textOr } from './schema-fields';
import { CREDENTIAL_NAME_PATTERN, urlCredentialsRule } from './credential-rules';
import { clipName } from '../util/echo';
import { isMigratePlaceholder } from '../util/migrate-placeholder';

const SigV4Auth = section(
  {
    region: always(text({ description: 'AWS region of the workspace (e.g. eu-west-1).' })),
    roleArn: text({
      description: 'Role assumed with the default credentials (STS AssumeRole); unset: none.',
    }),
    /** Amazon Managed Service for Prometheus signs as service `aps`. */
    service: textOr({ default: 'aps', description: 'Service name in the signature.' }),
  },
  {
    required: ['region'],
    description:
      'AWS Signature V4 on every request (Amazon Managed Service for Prometheus). Credentials come from the default chain: environment, IRSA web-identity token file, EKS Pod Identity, shared files, instance metadata.',
  },
);

const OAuth2Auth = section(
  {
    tokenUrl: always(
      anyHttpUrl(
        { description: 'Token endpoint (client credentials grant).' },
        urlCredentialsRule('use clientId and clientSecretFile'),
      ),
    ),
    clientId: always(text({ description: 'OAuth2 client id.' })),
    clientSecretFile: always(
      text({ description: 'File holding the client secret; re-read when it changes.' }),
    ),
    scopes: stringList({ description: 'Scopes asked for (space-joined in the request).' }),
    // client_secret, password, refresh_token: the secret belongs in clientSecretFile.
    endpointParams: stringMap(
      {
        description:
          'Extra form parameters sent to the token endpoint (audience, resource); never a credential.',
      },
      undefined,
      {
        pattern: CREDENTIAL_NAME_PATTERN,
        rule: 'is a credential, and parameters are written into the configuration (a ConfigMap, chart values); use clientSecretFile',
      },
    ),
  },
  {
    required: ['tokenUrl', 'clientId', 'clientSecretFile'],
    description:
      'OAuth2 client credentials: a bearer token fetched from tokenUrl, cached until shortly before it expires.',
  },
);

const AzureAuth = section(
  {
    /** KEDA's scope for the public cloud (`cloud: AZUREPUBLICCLOUD`). */
    scope: textOr({
      default: 'https://prometheus.monitor.azure.com/.default',
      description: 'Token scope (…monitor.azure.us/.default, …azure.cn/.default for other clouds).',
    }),
    tenantId: text({ description: 'Directory (tenant) id; default: AZURE_TENANT_ID.' }),
    clientId: text({
      description: 'Application or user-assigned identity client id; default: AZURE_CLIENT_ID.',
    }),
    clientSecretFile: text({
      description: 'File with a client secret: use it instead of a workload or managed identity.',
    }),
  },
  {
    description:
      'Azure Monitor managed Prometheus: a Microsoft Entra token from workload identity (AZURE_FEDERATED_TOKEN_FILE set), a client secret file, or the managed identity.',
  },
);

const GoogleAuth = section(
  {
    scope: textOr({
      default: 'https://www.googleapis.com/auth/monitoring.read',
      description: 'Token scope.',
    }),
    credentialsFile: text({
      description:
        'Service account or external account JSON; default: application default credentials (workload identity).',
    }),
  },
  {
    description:
      'Google Cloud Managed Service for Prometheus: a token from application default credentials.',
  },
);

const AUTH_MODES = ['sigv4', 'oauth2', 'azure', 'google'] as const;

export const SourceAuth = between(
  section(
    { sigv4: SigV4Auth, oauth2: OAuth2Auth, azure: AzureAuth, google: GoogleAuth },
    { description: 'How requests to this source authenticate; exactly one mode.' },
  ),
  (auth, path, problems) => {
    const set = AUTH_MODES.filter(m => auth[m] !== undefined);
    if (set.length !== 1) {
      problems.push(`${path}: needs exactly one of ${AUTH_MODES.join(', ')}, got ${set.length}`);
    }
  },
);

/**
 * Values `migrate` leaves as a placeholder (migrate/trigger-auth.ts): loaded as they are, a
 * `<username>` would be sent and answered 401 only at the first query.
 */
function placeholderRule(
  source: { basicAuth?: unknown; headerFiles?: Readonly<Record<string, string>>; auth?: unknown },
  path: string,
  problems: string[],
): void {
  const at = (v: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>(
      (o, k) =>
        typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined,
      v,
    );
  const fields: [string, unknown][] = [
    ['basicAuth.username', at(source.basicAuth, 'username')],
    ['auth.oauth2.clientId', at(source.auth, 'oauth2', 'clientId')],
    ['auth.sigv4.region', at(source.auth, 'sigv4', 'region')],
    ['auth.sigv4.roleArn', at(source.auth, 'sigv4', 'roleArn')],
    ...Object.keys(source.headerFiles ?? {}).map((name): [string, unknown] => [
      'headerFiles (a header name)',
      name,
    ]),
  ];
  for (const [field, value] of fields) {
    if (typeof value === 'string' && isMigratePlaceholder(value)) {
      problems.push(
        `${path}.${field}: "${clipName(value)}" is migrate's placeholder, not a value; write the value it stands for (the comment at the top of the file migrate wrote says where it is)`,
      );
    }
  }
}

/**
 * Only one credential on the wire: auth modes replace bearerTokenFile and basicAuth, and a header
 * has one value: from `headers` or from `headerFiles`, and Authorization from one place.
 */
export function sourceAuthRule(
  source: {
    auth?: unknown;
    bearerTokenFile?: string | undefined;
    basicAuth?: unknown;
    headers?: Readonly<Record<string, string>>;
    headerFiles?: Readonly<Record<string, string>>;
  },
  path: string,
  problems: string[],
): void {
  placeholderRule(source, path, problems);
  const otherCredential =
    source.auth !== undefined || source.bearerTokenFile !== undefined || source.basicAuth;
  if (source.auth !== undefined && (source.bearerTokenFile !== undefined || source.basicAuth)) {
    problems.push(`${path}.auth: cannot be combined with bearerTokenFile or basicAuth`);
  }
  const staticNames = new Set(Object.keys(source.headers ?? {}).map(n => n.toLowerCase()));
  for (const name of Object.keys(source.headerFiles ?? {})) {
    const lower = name.toLowerCase();
    if (staticNames.has(lower)) {
      problems.push(
        `${path}.headerFiles.${clipName(name)}: also set in ${path}.headers; a header has one value`,
      );
    } else if (lower === 'authorization' && otherCredential) {
      problems.push(
        `${path}.headerFiles.${clipName(name)}: cannot be combined with bearerTokenFile, basicAuth or auth (each writes Authorization)`,
      );
    }
  }
}
