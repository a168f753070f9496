// The one declaration of the server configuration: each key's type, default, limits and doc
// string as TypeBox JSON Schema. Types, DEFAULTS, the loader and config.schema.json derive from it.
import { Type } from '@sinclair/typebox';
import type { Check, Out } from './schema-reader';
import { MIN_CACHE_TTL_MS } from '../util/limits';
import {
  PATH_SEGMENT_RULE,
  addressPatternProblem,
  normalizeUrl,
  urlProblem,
} from '../util/url-rules';
import { FIELD_VALUE_RULE, HEADER_NAME, isFieldValue } from '../util/http-fields';
import { NAMESPACE_PATTERN, NAMESPACE_PATTERN_RULE } from '../util/namespace-rules';
import {
  MissingRule,
  always,
  between,
  defaultsOf,
  durationCheck,
  formatMs,
  leaf,
  named,
  readNode,
  reader,
  section,
} from './schema-reader';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The source defined by `--prometheus-url` / SCALER_PROMETHEUS_URL: the same name as deploy/'s
 * one source, so a trigger written against a local scaler (`source: prometheus`) works in the
 * cluster unchanged.
 */
export const CLI_SOURCE_NAME = 'prometheus';

export { MIN_CACHE_TTL_MS };

/** Source names appear in metrics, logs and metadata: keep them simple. */
const SOURCE_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** A Go duration with its unit (`500ms`, `1m30s`); a bare number is refused (parseUnitDurationMs). */
const DURATION_TEXT = '^\\+?(0|(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+$';

type Doc = { description: string };

/** A non-empty string, trimmed; with a `default`, wrap it in always(). */
const text = (doc: Doc & { default?: string }) =>
  leaf(
    Type.String({ minLength: 1, ...doc }),
    reader<string>(v =>
      typeof v === 'string' && v.trim() !== ''
        ? { value: v.trim() }
        : { rule: 'must be a non-empty string' },
    ),
  );

const flag = (doc: Doc & { default: boolean }) =>
  always(
    leaf(
      Type.Boolean(doc),
      reader<boolean>(v =>
        typeof v === 'boolean' ? { value: v } : { rule: 'must be true or false' },
      ),
    ),
  );

const count = (doc: Doc & { default: number }) =>
  always(
    leaf(
      Type.Integer({ minimum: 1, ...doc }),
      reader<number>(v =>
        typeof v === 'number' && Number.isInteger(v) && v > 0
          ? { value: v }
          : { rule: 'must be a whole number > 0' },
      ),
    ),
  );

/** A duration read into milliseconds; `minMs` is its lower limit (1: greater than 0). */
const duration = (doc: Doc & { default: string }, minMs = 1) =>
  always(
    leaf(
      Type.String({
        pattern: DURATION_TEXT,
        ...doc,
        description: `${doc.description} A duration with its unit (\`500ms\`, \`3s\`, \`1m30s\`)${minMs > 1 ? `; at least ${formatMs(minMs)}` : ''}.`,
      }),
      reader(durationCheck(minMs)),
    ),
  );

const address = (doc: Doc & { default: string }) =>
  always(
    leaf(
      Type.String({ pattern: '^.+:\\d{1,5}$', ...doc }),
      reader<string>(v => {
        const m = typeof v === 'string' ? /^(.*):(\d+)$/.exec(v) : null;
        return m !== null && (m[1] ?? '') !== '' && Number(m[2]) <= 65535
          ? { value: v as string }
          : { rule: 'must be host:port (e.g. 0.0.0.0:6000)' };
      }),
    ),
  );

/** An http(s) base URL without credentials, query or fragment; the trailing `/` dropped. */
export const checkHttpUrl: Check<string> = v => {
  if (typeof v !== 'string') return { rule: 'must be an http:// or https:// URL' };
  // Quiet: the value may hold a password or a token in its query.
  switch (urlProblem(v.trim())) {
    case undefined:
      return { value: normalizeUrl(v.trim()) };
    case 'not_http':
      return { rule: 'must be an http:// or https:// URL' };
    case 'credentials':
      return { rule: 'must not carry credentials; use basicAuth with a passwordFile', quiet: true };
    case 'query_or_fragment':
      return { rule: 'must not have a query string or fragment', quiet: true };
    case 'path_segment':
      return { rule: PATH_SEGMENT_RULE };
  }
};

/** Where the peer replicas are: a DNS name looked up on each forward, or a fixed list. */
export type PeersConfig =
  | { kind: 'dns'; host: string; port: number }
  | { kind: 'static'; addresses: readonly { host: string; port: number }[] };

/** `host:port` with a port 1-65535; IPv6 hosts in brackets. */
function hostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `dns:///name:port` or `static:///host:port,host:port`. */
export const checkPeers: Check<PeersConfig> = v => {
  const rule =
    'must be dns:///<name>:<port> or static:///<host>:<port>[,<host>:<port>...] (e.g. dns:///keda-prometheus-scaler.keda.svc:8080)';
  if (typeof v !== 'string') return { rule };
  const m = /^(dns|static):\/\/\/(.+)$/.exec(v.trim());
  if (m === null) return { rule };
  if (m[1] === 'dns') {
    const target = hostPort(m[2]!);
    return target === undefined ? { rule } : { value: { kind: 'dns', ...target } };
  }
  const addresses = m[2]!.split(',').map(hostPort);
  return addresses.every(a => a !== undefined)
    ? { value: { kind: 'static', addresses } }
    : { rule };
};

const SourceTls = always(
  between(
    section(
      {
        caFile: text({
          description: 'PEM CA bundle that signs the source certificate; re-read when it changes.',
        }),
        certFile: text({
          description: 'PEM client certificate for mTLS to the source; needs keyFile.',
        }),
        keyFile: text({ description: 'PEM key of certFile.' }),
        insecureSkipVerify: flag({
          default: false,
          description:
            'Skip certificate verification. Only the operator can set this, never metadata.',
        }),
      },
      { description: 'TLS towards this source (https URLs).' },
    ),
    (tls, path, problems) => {
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        problems.push(`${path}: certFile and keyFile must be set together`);
      }
    },
  ),
);

const BasicAuth = Object.assign(
  section(
    {
      username: always(text({ description: 'User name sent with HTTP basic auth.' })),
      passwordFile: always(text({ description: 'File holding the password; re-read on change.' })),
    },
    {
      required: ['username', 'passwordFile'],
      description: 'HTTP basic auth towards the source; bearerTokenFile wins when both are set.',
    },
  ),
  { [MissingRule]: 'needs both username and passwordFile' },
);

// ---- Source authentication and proxy (one block: sigv4, oauth2, azure, google, proxyUrl) ----

/** A string with a default value (a name or a scope that is nearly always the same). */
const textOr = (doc: Doc & { default: string }) => always(text(doc));

const stringList = (doc: Doc & { maxItems?: number }) =>
  always(
    leaf(
      Type.Array(Type.String({ minLength: 1 }), { default: [], ...doc }),
      (v, path, problems) => {
        if (!Array.isArray(v) || v.some(s => typeof s !== 'string' || s.trim() === '')) {
          problems.push(`${path}: must be a list of non-empty strings`);
          return undefined;
        }
        return (v as string[]).map(s => s.trim());
      },
    ),
  );

/**
 * A string-to-string mapping; `rule` names what is wrong with one entry (undefined: fine). Quiet:
 * problems name the key, never the value, which may be a credential.
 */
const stringMap = (
  doc: Doc,
  rule: (key: string, value: string) => string | undefined = () => undefined,
) =>
  always(
    leaf(
      Type.Record(Type.String(), Type.String(), { default: {}, ...doc }),
      (v, path, problems) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          problems.push(`${path}: must be a mapping`);
          return undefined;
        }
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) {
          const problem = typeof x !== 'string' ? 'must be a string' : rule(k, x);
          if (problem === undefined) out[k] = x as string;
          else problems.push(`${path}.${k}: ${problem}`);
        }
        return out;
      },
    ),
  );

/** An http(s) URL; quiet: a proxy or token URL may carry credentials. */
const anyHttpUrl = (doc: Doc) =>
  leaf(
    Type.String({ pattern: '^https?://', ...doc }),
    reader<string>(v => {
      try {
        const url = new URL(String(v));
        if (typeof v === 'string' && (url.protocol === 'http:' || url.protocol === 'https:')) {
          return { value: v.trim() };
        }
      } catch {
        // falls through to the rule
      }
      return { rule: 'must be an http:// or https:// URL', quiet: true };
    }),
  );

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
    tokenUrl: always(anyHttpUrl({ description: 'Token endpoint (client credentials grant).' })),
    clientId: always(text({ description: 'OAuth2 client id.' })),
    clientSecretFile: always(
      text({ description: 'File holding the client secret; re-read when it changes.' }),
    ),
    scopes: stringList({ description: 'Scopes asked for (space-joined in the request).' }),
    endpointParams: stringMap({ description: 'Extra form parameters sent to the token endpoint.' }),
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

const SourceAuth = between(
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

const SourceProxy = {
  proxyUrl: anyHttpUrl({
    description:
      'HTTP proxy for this source (CONNECT for https). Unset: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.',
  }),
  noProxy: stringList({
    description:
      'Hosts reached without proxyUrl: `host`, `.domain` or `domain` (also its subdomains), `host:port`, `*`.',
  }),
};

/** Only one credential on the wire: auth modes replace bearerTokenFile and basicAuth. */
function sourceAuthRule(
  source: { auth?: unknown; bearerTokenFile?: string | undefined; basicAuth?: unknown },
  path: string,
  problems: string[],
): void {
  if (source.auth !== undefined && (source.bearerTokenFile !== undefined || source.basicAuth)) {
    problems.push(`${path}.auth: cannot be combined with bearerTokenFile or basicAuth`);
  }
}
// ---- end of source authentication and proxy ----

/** A `namespaces:` list: names or globs; absent means every namespace (the old behaviour). */
const namespaces = (description: string) =>
  leaf(
    Type.Array(Type.String({ pattern: NAMESPACE_PATTERN.source }), { minItems: 1, description }),
    (v, path, problems): string[] | undefined => {
      if (!Array.isArray(v) || v.length === 0) {
        problems.push(
          `${path}: must be a non-empty list of namespace names or globs (leave it out for all namespaces)`,
        );
        return undefined;
      }
      const out: string[] = [];
      v.forEach((n: unknown, i) => {
        const name = typeof n === 'string' ? n.trim() : '';
        if (NAMESPACE_PATTERN.test(name)) out.push(name);
        else problems.push(`${path}[${i}]: ${NAMESPACE_PATTERN_RULE}, got ${JSON.stringify(n)}`);
      });
      return out;
    },
  );

/** An allowedServerAddresses entry: the pattern, and the namespaces that may use it. */
export interface AllowedAddress {
  pattern: string;
  /** Undefined: every namespace. */
  namespaces: readonly string[] | undefined;
}

const AllowedAddressEntry = section(
  {
    pattern: always(text({ description: 'The URL pattern, as in the plain string form.' })),
    namespaces: namespaces(
      'Namespaces whose triggers may name a URL this pattern admits; unset: all namespaces.',
    ),
  },
  { required: ['pattern'], description: 'A URL pattern limited to some namespaces.' },
);

/** One entry, plain string or `{pattern, namespaces}`; the problem is recorded at `path`. */
function readAllowedAddress(
  v: unknown,
  path: string,
  problems: string[],
): AllowedAddress | undefined {
  let entry: { pattern: string; namespaces: readonly string[] | undefined } | undefined;
  if (typeof v === 'string') entry = { pattern: v, namespaces: undefined };
  else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    entry = readNode(AllowedAddressEntry, v, path, problems);
    if (entry === undefined) return undefined;
  }
  const problem = entry === undefined ? 'not a string' : addressPatternProblem(entry.pattern);
  if (entry === undefined || problem !== undefined) {
    problems.push(`${path}: must be an http(s) URL pattern (${problem})`);
    return undefined;
  }
  return { pattern: entry.pattern.replace(/\/+$/, ''), namespaces: entry.namespaces };
}

/** Static source headers: HTTP tokens as names, visible ASCII values (RFC 9110 field-value). */
const sourceHeaders = (doc: Doc) =>
  stringMap(doc, (name, value) => {
    if (!HEADER_NAME.test(name)) return 'is not an HTTP token';
    if (!isFieldValue(value)) return FIELD_VALUE_RULE;
    return undefined;
  });

const Source = between(
  section(
    {
      name: always(
        leaf(
          Type.String({
            pattern: SOURCE_NAME.source,
            description: 'What triggers write in `source:` (lower-case letters, digits, - and _).',
          }),
          reader<string>(v =>
            typeof v === 'string' && SOURCE_NAME.test(v.trim())
              ? { value: v.trim() }
              : { rule: 'must be lower-case letters, digits, "-" or "_"' },
          ),
        ),
      ),
      url: always(
        leaf(
          Type.String({
            pattern: '^https?://',
            description:
              'Base URL; `/api/v1/query` is appended. May carry a path prefix (e.g. /select/0/prometheus).',
          }),
          reader(checkHttpUrl),
        ),
      ),
      headers: sourceHeaders({
        description: 'Static headers (e.g. X-Scope-OrgID); they win over trigger customHeaders.',
      }),
      bearerTokenFile: text({
        description: 'File holding a bearer token; re-read when it changes. Wins over basicAuth.',
      }),
      basicAuth: BasicAuth,
      tls: SourceTls,
      /** KEDA_HTTP_DEFAULT_TIMEOUT, the built-in prometheus trigger's default (3000 ms). */
      timeout: named(
        'timeoutMs',
        duration({
          default: '3s',
          description:
            "Every query's upstream timeout; a trigger's timeout bounds only its own wait, and queryParameters timeout= may only lower it.",
        }),
      ),
      /** Well under Prometheus's --query.max-concurrency default of 20. */
      maxConcurrentQueries: count({
        default: 8,
        description:
          'Queries in flight to this source at once (also its keep-alive connections), shared fairly between namespaces.',
      }),
      auth: SourceAuth,
      ...SourceProxy,
      namespaces: namespaces(
        'Namespaces whose ScaledObjects may use this source (names and globs such as `team-*`); unset: all namespaces.',
      ),
    },
    {
      required: ['name', 'url'],
      description:
        'A Prometheus-compatible server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics).',
    },
  ),
  sourceAuthRule,
);

const Cache = always(
  between(
    section(
      {
        /** The HPA sync period (15 s); Trickster rounds instant queries to the same step. */
        ttl: named(
          'ttlMs',
          duration(
            { default: '15s', description: 'Default cacheTTL and time bucket of a trigger.' },
            MIN_CACHE_TTL_MS,
          ),
        ),
        ttlLimit: named(
          'ttlLimitMs',
          duration({ default: '5m', description: 'Largest cacheTTL a trigger may set.' }),
        ),
        /** Rides out a Prometheus restart, which takes well under a minute on a small TSDB. */
        maxStaleness: named(
          'maxStalenessMs',
          duration({
            default: '60s',
            description: 'Default maxStaleness of a trigger; also the readiness window.',
          }),
        ),
        maxStalenessLimit: named(
          'maxStalenessLimitMs',
          duration({ default: '10m', description: 'Largest maxStaleness a trigger may set.' }),
        ),
        /** About 100 MB at the measured cost per key (docs/performance.md "Performance"). */
        maxEntries: count({
          default: 100_000,
          description: 'Distinct query results kept; the least recently used are dropped.',
        }),
        /**
         * The Deployment's 512 MiB limit (deploy/base/deployment.yaml) less about 80 MB for the
         * idle process, 32 MiB for the trigger memo and room for the garbage collector.
         */
        maxBytes: count({
          default: 128 * 1024 * 1024,
          description:
            'Estimated memory of the query results kept (bytes: key, query text, result, error text); the least recently used are dropped beyond it.',
        }),
        /** Thousands of ordinary triggers take a few MB; long queries are what this bounds. */
        triggerMemoMaxBytes: count({
          default: 32 * 1024 * 1024,
          description:
            'Estimated memory of parsed trigger metadata remembered between calls (bytes); the least recently used are parsed again.',
        }),
        /** Three of KEDA's default 30 s polling intervals: a key in use is asked far more often. */
        idleRefresh: named(
          'idleRefreshMs',
          duration({
            default: '90s',
            description: 'Refresh ahead only keys asked for within this window.',
          }),
        ),
        /** Keeps memory for keys still in use while forgetting ScaledObjects that are gone. */
        idleDrop: named(
          'idleDropMs',
          duration({
            default: '10m',
            description: 'Forget keys nobody asked for within this window.',
          }),
        ),
        /** Absorbs KEDA's immediate retry after a 5xx without hiding a lasting outage. */
        negativeTtl: named(
          'negativeTtlMs',
          duration({
            default: '3s',
            description: 'How long a transient source failure is remembered.',
          }),
        ),
        /** Bad PromQL stays bad; Mimir's results cache keeps such errors for minutes too. */
        badQueryTtl: named(
          'badQueryTtlMs',
          duration({ default: '60s', description: 'How long a 400/422 bad query is remembered.' }),
        ),
      },
      {
        description: 'Result cache defaults and the caps on triggers.',
      },
    ),
    (cache, path, problems) => {
      if (cache.ttlMs > cache.ttlLimitMs)
        problems.push(`${path}.ttl: must not exceed ${path}.ttlLimit`);
      if (cache.maxStalenessMs > cache.maxStalenessLimitMs) {
        problems.push(`${path}.maxStaleness: must not exceed ${path}.maxStalenessLimit`);
      }
    },
  ),
);

/** Open after 3 consecutive failures, probe after 10 s, close after 3 good probes. */
const Breaker = always(
  section(
    {
      failureThreshold: count({ default: 3, description: 'Consecutive failures that open it.' }),
      openDuration: named(
        'openMs',
        duration({ default: '10s', description: 'How long it stays open before a probe.' }),
      ),
      closeAfterSuccesses: count({
        default: 3,
        description: 'Consecutive good probes that close it.',
      }),
    },
    { description: 'Circuit breaker, one per source.' },
  ),
);

/** Enough for KEDA's operator and a few other callers; each name at most a DNS name's length. */
const MAX_ALLOWED_CLIENT_NAMES = 64;

const GrpcTls = Object.assign(
  between(
    section(
      {
        certFile: always(
          text({
            description: 'PEM certificate of the gRPC port; re-read on change (no restart).',
          }),
        ),
        keyFile: always(text({ description: 'PEM key of certFile.' })),
        clientCaFile: text({
          description: 'Set: clients must present a certificate this CA signed (mTLS).',
        }),
        /** cert-manager renews long before expiry; a minute is plenty and costs three stats. */
        refreshInterval: named(
          'refreshMs',
          duration({ default: '1m', description: 'How often the files are checked for a change.' }),
        ),
        // Any certificate the CA signed gets through the handshake; this keeps a stolen or
        // mis-issued one of another service out (issue "trust boundary": only KEDA may call).
        allowedClientNames: stringList({
          maxItems: MAX_ALLOWED_CLIENT_NAMES,
          description:
            'Set: a client certificate is accepted only when its subject CN or a DNS or URI SAN is one of these names exactly; other calls get PERMISSION_DENIED. Needs clientCaFile.',
        }),
      },
      {
        required: ['certFile', 'keyFile'],
        description:
          'TLS on the gRPC port. Unset: plaintext h2c, as KEDA dials without TLS material.',
      },
    ),
    (tls, path, problems) => {
      if (tls.allowedClientNames.length > 0 && tls.clientCaFile === undefined) {
        problems.push(
          `${path}.allowedClientNames: needs ${path}.clientCaFile (names are read from a client certificate, which only mTLS asks for)`,
        );
      }
      if (tls.allowedClientNames.length > MAX_ALLOWED_CLIENT_NAMES) {
        problems.push(
          `${path}.allowedClientNames: at most ${MAX_ALLOWED_CLIENT_NAMES} names, got ${tls.allowedClientNames.length}`,
        );
      }
    },
  ),
  { [MissingRule]: 'certFile and keyFile are both required' },
);

const Shutdown = always(
  section(
    {
      /** Endpoints are updated asynchronously; 0 keeps tests and single replicas fast. */
      delay: named(
        'delayMs',
        duration(
          {
            default: '0s',
            description: 'After SIGTERM: time health reports NOT_SERVING while calls are served.',
          },
          0,
        ),
      ),
      /** Long enough for a query at KEDA's 3 s default timeout to finish. */
      grace: named(
        'graceMs',
        duration({ default: '5s', description: 'Then: time unary calls in flight get to finish.' }),
      ),
    },
    { description: 'Graceful shutdown after SIGTERM.' },
  ),
);

const Push = always(
  between(
    section(
      {
        /** Wakes a sleeping workload 6x sooner than KEDA's default 30 s pollingInterval. */
        activationInterval: named(
          'activationIntervalMs',
          duration({
            default: '5s',
            description: 'Default activationInterval for StreamIsActive.',
          }),
        ),
        /** One query per second per distinct activation query is the most a trigger may ask. */
        minActivationInterval: named(
          'minActivationIntervalMs',
          duration({
            default: '1s',
            description: 'The floor a trigger activationInterval cannot go below.',
          }),
        ),
        alertmanagerTokenFile: text({
          description:
            'File with the bearer token Alertmanager must send; unset: POST /alertmanager is off.',
        }),
        peers: leaf(
          Type.String({
            pattern: '^(dns|static):///.+$',
            description:
              'Replicas to forward accepted alerts to: `dns:///<service>:<port>` or `static:///<host>:<port>,...`; unset: none.',
          }),
          reader(checkPeers),
        ),
        /** A peer on the same network answers in milliseconds; a slower one is gone or stuck. */
        peerTimeout: named(
          'peerTimeoutMs',
          duration({
            default: '500ms',
            description: 'How long a forward to one peer may take before it is given up.',
          }),
        ),
        /**
         * Each StreamIsActive on a distinct query holds a watcher and about 40 KB of heap
         * (measured with 3,000 streams), so 5,000 stay well inside the Deployment's 384 MB heap.
         */
        maxStreams: count({
          default: 5000,
          description:
            'Most StreamIsActive and StreamMetricSpec streams open at once; more get RESOURCE_EXHAUSTED.',
        }),
        /** So that one namespace cannot take every stream from the others. */
        maxStreamsPerNamespace: count({
          default: 2000,
          description: 'Most streams open at once from one namespace; more get RESOURCE_EXHAUSTED.',
        }),
        /**
         * The Deployment's 384 MB heap (deploy/base/deployment.yaml --max-old-space-size) less
         * the result cache (128 MiB), the trigger memo (32 MiB), about 30 MB idle and room for
         * the collector. An ordinary stream is charged about 10 KiB (src/scaler/stream-bytes.ts),
         * so the 5,000 of maxStreams take under half of it; one with maximal metadata, about 800 KiB.
         */
        maxStreamBytes: count({
          default: 96 * 1024 * 1024,
          description:
            'Estimated memory all open streams may keep (bytes: a fixed cost per stream plus its parsed trigger); more get RESOURCE_EXHAUSTED.',
        }),
        /** A third of maxStreamBytes: two namespaces with maximal metadata cannot fill it. */
        maxStreamBytesPerNamespace: count({
          default: 32 * 1024 * 1024,
          description:
            'Estimated memory the open streams of one namespace may keep (bytes); more get RESOURCE_EXHAUSTED.',
        }),
        /** Alertmanager groups alerts; 1 MiB holds thousands of them. */
        alertmanagerMaxBodyBytes: count({
          default: 1024 * 1024,
          description: 'Largest Alertmanager webhook body accepted (bytes).',
        }),
      },
      { description: 'StreamIsActive and Alertmanager push.' },
    ),
    (push, path, problems) => {
      if (push.activationIntervalMs < push.minActivationIntervalMs) {
        problems.push(
          `${path}.activationInterval: must not be below ${path}.minActivationInterval`,
        );
      }
    },
  ),
);

/**
 * Connection caps on both ports. An idle gRPC connection costs about 11 kB (RSS, measured with
 * 18,500), an HTTP one less; KEDA keeps one gRPC connection per operator or metrics-server pod.
 */
const Connections = always(
  section(
    {
      /** 1,000 idle connections are about 11 MB, inside the memory budget. */
      grpcMax: count({
        default: 1000,
        description: 'Most gRPC connections open at once; more are closed as they arrive.',
      }),
      /** Far above KEDA's one connection per pod, a tenth of grpcMax. */
      grpcMaxPerClient: count({
        default: 100,
        description: 'Most gRPC connections open at once from one client address.',
      }),
      /** Probes, scrapes and webhooks need a handful. */
      httpMax: count({
        default: 256,
        description: 'Most HTTP connections open at once; more are closed as they arrive.',
      }),
      /** An eighth of httpMax, so the kubelet's probes still get through a one-client flood. */
      httpMaxPerClient: count({
        default: 32,
        description: 'Most HTTP connections open at once from one client address.',
      }),
    },
    { description: 'Connection caps on the gRPC and HTTP ports, in all and per client address.' },
  ),
);

/** The whole configuration file. */
export const ConfigSchema = section(
  {
    /** KEDA's external-scaler e2e tests and docs use port 6000 for gRPC. */
    grpcAddress: address({ default: '0.0.0.0:6000', description: 'gRPC listen address.' }),
    httpAddress: address({
      default: '0.0.0.0:8080',
      description: 'Serves /metrics, /healthz and /readyz.',
    }),
    logLevel: always(
      leaf(
        Type.Union(
          LOG_LEVELS.map(l => Type.Literal(l)),
          { default: 'info', description: 'Log level.' },
        ),
        reader<LogLevel>(v => {
          const level = LOG_LEVELS.find(l => typeof v === 'string' && l === v.trim());
          return level !== undefined
            ? { value: level }
            : { rule: `must be one of ${LOG_LEVELS.join(', ')}` };
        }),
      ),
    ),
    sources: always(Type.Array(Source, { default: [], description: 'The Prometheus servers.' })),
    /** Empty by default: metadata never picks an arbitrary URL (kedacore/keda#7697). */
    allowedServerAddresses: always(
      leaf(
        Type.Array(Type.Union([Type.String({ pattern: '^https?://.' }), AllowedAddressEntry]), {
          default: [],
          description:
            'URL patterns a trigger serverAddress may name besides the sources own; `*` matches within one host label or one path segment (a lone `*` any non-empty part, `*` among other characters any run, possibly empty), or any port. Scheme and host ignore case, the path does not. An entry may be `{pattern, namespaces}` to admit it only for some namespaces.',
        }),
        (v, path, problems) => {
          if (!Array.isArray(v)) {
            problems.push(`${path}: must be a list of URL patterns`);
            return undefined;
          }
          const allowed: AllowedAddress[] = [];
          v.forEach((p: unknown, i) => {
            const entry = readAllowedAddress(p, `${path}[${i}]`, problems);
            if (entry !== undefined) allowed.push(entry);
          });
          return allowed;
        },
      ),
    ),
    /** One number is tiny; 8 MiB leaves room for large multi-series results. */
    maxResponseBytes: count({
      default: 8 * 1024 * 1024,
      description: 'Largest Prometheus response body accepted (bytes).',
    }),
    /** Prometheus's own --query.timeout is 2m; a scaler query slower than 30 s is useless. */
    maxTimeout: named(
      'maxTimeoutMs',
      duration({ default: '30s', description: 'Upper bound for a trigger timeout.' }),
    ),
    /**
     * KEDA ignores metadata keys it does not know (a typo scales on a default); here they are
     * refused unless a cluster chooses to run unmigrated manifests first (docs/migrate.md).
     */
    unknownMetadataKeys: always(
      leaf(
        Type.Union([Type.Literal('refuse'), Type.Literal('warn')], {
          default: 'refuse',
          description:
            'What a trigger metadata key that is neither known nor a near-miss of a known key does: `refuse` (INVALID_ARGUMENT) or `warn` (ignored, logged once per trigger, counted in keda_prometheus_scaler_metadata_warnings_total). A misspelled key is refused either way.',
        }),
        reader<'refuse' | 'warn'>(v =>
          v === 'refuse' || v === 'warn' ? { value: v } : { rule: 'must be refuse or warn' },
        ),
      ),
    ),
    cache: Cache,
    breaker: Breaker,
    tls: GrpcTls,
    reflection: flag({
      default: true,
      description: 'Serve gRPC server reflection (grpcurl, buf curl).',
    }),
    shutdown: Shutdown,
    push: Push,
    connections: Connections,
  },
  { description: 'The keda-prometheus-scaler configuration file.' },
);

export type ServerConfig = Out<typeof ConfigSchema>;
export type SourceConfig = ServerConfig['sources'][number];
export type SourceTlsConfig = SourceConfig['tls'];
export type CacheConfig = ServerConfig['cache'];
export type BreakerConfig = ServerConfig['breaker'];
export type GrpcTlsConfig = NonNullable<ServerConfig['tls']>;
export type ShutdownConfig = ServerConfig['shutdown'];
export type PushConfig = ServerConfig['push'];
export type ConnectionsConfig = ServerConfig['connections'];

/** Every setting at its default (no sources, no gRPC TLS). */
export const DEFAULTS: ServerConfig = defaultsOf(ConfigSchema);

/** The caps a trigger's metadata may not exceed, from a configuration (ms). */
export function triggerLimits(
  config: Pick<ServerConfig, 'maxTimeoutMs' | 'cache' | 'push'> &
    Partial<Pick<ServerConfig, 'unknownMetadataKeys'>>,
) {
  return {
    unknownKeys: config.unknownMetadataKeys ?? 'refuse',
    maxTimeoutMs: config.maxTimeoutMs,
    maxCacheTtlMs: config.cache.ttlLimitMs,
    maxStalenessLimitMs: config.cache.maxStalenessLimitMs,
    minActivationIntervalMs: config.push.minActivationIntervalMs,
  };
}

/** The source schema, for a source made from a URL alone (`--prometheus-url`, the allowlist). */
export const SOURCE_SCHEMA = Source;
