// Trigger metadata (KEDA's raw scalerMetadata map) → a typed TriggerSpec, with the built-in
// prometheus trigger's rules (KEDA pkg/scalers/scalersconfig/typed_config.go and
// pkg/scalers/prometheus_scaler.go) and every problem reported at once.
import { ScalerError } from '../errors';
import { checkMetadataBounds } from './metadata-bounds';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { clipName, quote } from '../util/echo';
import { FIELD_VALUE_RULE, HEADER_NAME, isFieldValue } from '../util/http-fields';
import { MAX_CUSTOM_HEADERS_BYTES, MAX_QUERY_BYTES, MIN_CACHE_TTL_MS } from '../util/limits';
import type { Parsed } from '../util/parse-values';
import {
  parseDurationMs,
  parseUnitDurationMs,
  parseGoBool,
  parseJsonNumber,
  parseKeyValueMap,
} from '../util/parse-values';
import { PATH_SEGMENT_RULE, redactUrl, urlProblem } from '../util/url-rules';

export type MultipleSeriesPolicy = 'error' | 'sum' | 'max' | 'min' | 'avg';
type HttpMethod = 'GET' | 'POST';

/** Where the trigger wants its query answered; resolved against the server's sources later. */
export type SourceSelector =
  | { kind: 'named'; name: string; serverAddress?: string }
  | { kind: 'address'; serverAddress: string }
  | { kind: 'implicit' };

/** A parsed trigger. Every field is validated; durations are milliseconds. */
export interface TriggerSpec {
  query: string;
  /** HPA target; > 0. */
  threshold: number;
  /** Active iff value > activationThreshold (strict). Default 0. */
  activationThreshold: number;
  source: SourceSelector;
  /** Sent as Prometheus's `namespace` query parameter (Thanos / prom-label-proxy tenancy). */
  namespace: string | undefined;
  customHeaders: Readonly<Record<string, string>>;
  queryParameters: Readonly<Record<string, string>>;
  /** Empty results and NaN/±Inf become 0 when true (built-in default), an error when false. */
  ignoreNullValues: boolean;
  /**
   * How long this trigger's own caller waits for the shared query (ms); undefined: as long as the
   * source's timeout. Never sent upstream: a shared request carries the source's timeout.
   */
  timeoutMs: number | undefined;
  /**
   * `queryParameters: timeout=…` (ms), which Prometheus reads as its query timeout: it may only
   * lower the source's timeout for this request (core/upstream-request.ts). Kept out of
   * `queryParameters`, which holds what is sent as it is.
   */
  queryTimeoutMs: number | undefined;
  /** Explicit metric name (already lower-cased); undefined means derived from the query. */
  metricName: string | undefined;
  multipleSeries: MultipleSeriesPolicy;
  httpMethod: HttpMethod;
  /** Cache TTL and time-bucket size (ms); undefined means the server's default. */
  cacheTtlMs: number | undefined;
  /** How old a last good value may be when the source fails (ms); undefined: server default. */
  maxStalenessMs: number | undefined;
  /** Served when the source fails and no value within maxStaleness exists. */
  fallbackValue: number | undefined;
  /** PromQL whose value decides activity instead of `query` (with activationThreshold). */
  activationQuery: string | undefined;
  /** How often an open StreamIsActive re-evaluates (ms); undefined: server default. */
  activationIntervalMs: number | undefined;
  /** Alertmanager alert name whose firing wakes this trigger's streams at once. */
  activationAlert: string | undefined;
  /** Labels the firing alert must carry as well (all of them, exact values). */
  activationAlertLabels: Readonly<Record<string, string>>;
  /** What was changed to fit the server's limits (a capped timeout), logged once per trigger. */
  notices?: readonly string[];
  /** Keys accepted but ignored (legacy keys KEDA ignores too, or unknown keys under `warn`). */
  warnings?: readonly MetadataWarning[];
}

/**
 * A metadata key accepted and ignored. `legacy`: a key KEDA documents or once documented and
 * now ignores; `unknown`: any other key, accepted only under `unknownMetadataKeys: warn`. gRPC
 * has no warning channel: the server logs it once per trigger and counts it, `check` prints it.
 */
interface MetadataWarning {
  kind: 'legacy' | 'unknown';
  /** The key, cut short (it comes from the manifest). */
  key: string;
  message: string;
}

/** Caps from the server configuration that a trigger may not exceed (ms). */
export interface TriggerLimits {
  maxTimeoutMs: number;
  maxCacheTtlMs: number;
  maxStalenessLimitMs: number;
  /** The floor for activationInterval: streams may not poll Prometheus faster. */
  minActivationIntervalMs: number;
  /** What an unknown key that is no near-miss of a known one does (`unknownMetadataKeys`). */
  unknownKeys: 'refuse' | 'warn';
}

/**
 * Caps used when no server configuration is given: the configuration schema's defaults
 * (maxTimeout 30s, cache.ttlLimit 5m, cache.maxStalenessLimit 10m, push.minActivationInterval 1s,
 * unknownMetadataKeys refuse), written out so that trigger parsing does not load the schema;
 * test/unit/config/config-schema.test.ts keeps the two equal.
 */
export const DEFAULT_TRIGGER_LIMITS: TriggerLimits = {
  maxTimeoutMs: 30_000,
  maxCacheTtlMs: 300_000,
  maxStalenessLimitMs: 600_000,
  minActivationIntervalMs: 1_000,
  unknownKeys: 'refuse',
};

/** Keys of the built-in prometheus trigger that mean the same here (`migrate` keeps them as they are). */
export const BUILTIN_SAME_KEYS = [
  'query',
  'threshold',
  'activationThreshold',
  'namespace',
  'customHeaders',
  'queryParameters',
  'ignoreNullValues',
  'timeout',
] as const;

/** Keys with the built-in prometheus trigger's meaning, plus the keys this scaler adds. */
export const TRIGGER_KEYS = [
  'serverAddress',
  ...BUILTIN_SAME_KEYS,
  'unsafeSsl',
  'source',
  'metricName',
  'multipleSeries',
  'httpMethod',
  'cacheTTL',
  'maxStaleness',
  'fallbackValue',
  'activationQuery',
  'activationInterval',
  'activationAlert',
  'activationAlertLabels',
] as const;

/**
 * Keys KEDA consumes itself for its connection to the scaler and forwards anyway (KEDA
 * pkg/scalers/external_scaler.go, parseExternalScalerMetadata). Accepted and ignored. `unsafeSsl`
 * is in TRIGGER_KEYS: it is validated as a boolean.
 */
export const KEDA_OWN_KEYS: readonly string[] = [
  'scalerAddress',
  'enableTLS',
  'caCert',
  'tlsClientCert',
  'tlsClientKey',
];

/**
 * Credential keys of the built-in trigger (KEDA pkg/scalers/prometheus_scaler.go). KEDA never
 * forwards TriggerAuthentication to external scalers (kedacore/keda #2571), so credentials live
 * on a source.
 */
export const AUTH_KEYS: ReadonlySet<string> = new Set([
  'authModes',
  'authMode',
  'bearerToken',
  'token',
  'username',
  'password',
  'cert',
  'key',
  'ca',
  'customAuthHeader',
  'customAuthValue',
  'oauthTokenURI',
  'clientID',
  'clientSecret',
  'scopes',
  'scope',
  'endpointParams',
  'apiKey',
  'method',
  'keyParamName',
  'awsRegion',
  'identityOwner',
  'awsAccessKeyID',
  'awsAccessKeyIDFromEnv',
  'awsSecretAccessKeyFromEnv',
  'cloud',
  'azureManagedPrometheusResourceURL',
  'credentialsFromEnv',
  'credentialsFromEnvFile',
]);

/** The source stanza (YAML flow style) that replaces each kind of built-in credential. */
const STANZAS = {
  bearer: 'bearerTokenFile: /var/run/secrets/prometheus/token',
  basic: 'basicAuth: {username: <user>, passwordFile: /var/run/secrets/prometheus/password}',
  tls: 'tls: {caFile: <ca.pem>, certFile: <tls.crt>, keyFile: <tls.key>}',
  custom: 'headers: {<Header-Name>: <value>}',
  oauth:
    'auth: {oauth2: {tokenUrl: <url>, clientId: <id>, clientSecretFile: <file>, scopes: [<scope>]}}',
  aws: 'auth: {sigv4: {region: <awsRegion>}}',
  azure: 'auth: {azure: {}}',
  gcp: 'auth: {google: {}}',
} as const;

/** Which stanza a built-in credential key is replaced by. */
const KEY_STANZA: Record<string, keyof typeof STANZAS> = {
  bearerToken: 'bearer',
  token: 'bearer',
  username: 'basic',
  password: 'basic',
  cert: 'tls',
  key: 'tls',
  ca: 'tls',
  customAuthHeader: 'custom',
  customAuthValue: 'custom',
  apiKey: 'custom',
  method: 'custom',
  keyParamName: 'custom',
  oauthTokenURI: 'oauth',
  clientID: 'oauth',
  clientSecret: 'oauth',
  scopes: 'oauth',
  scope: 'oauth',
  endpointParams: 'oauth',
  awsRegion: 'aws',
  identityOwner: 'aws',
  awsAccessKeyID: 'aws',
  awsAccessKeyIDFromEnv: 'aws',
  awsSecretAccessKeyFromEnv: 'aws',
  cloud: 'azure',
  azureManagedPrometheusResourceURL: 'azure',
  credentialsFromEnv: 'gcp',
  credentialsFromEnvFile: 'gcp',
};

/** The refusal for a credential key, with the source stanza to write instead. */
function credentialProblem(key: string, value: string): string {
  let kinds: (keyof typeof STANZAS)[] = [];
  if (key === 'authModes' || key === 'authMode') {
    // Mode names are not secret: bearer, basic, tls, custom, oauth, apiKey.
    const known = Object.keys(STANZAS) as (keyof typeof STANZAS)[];
    kinds = value
      .split(',')
      .map(m => (m.trim() === 'apiKey' ? 'custom' : m.trim()))
      .filter((m): m is keyof typeof STANZAS => known.includes(m as keyof typeof STANZAS));
  } else {
    const kind = KEY_STANZA[key];
    if (kind !== undefined) kinds = [kind];
  }
  const stanza = kinds.length > 0 ? kinds.map(k => STANZAS[k]).join('; ') : STANZAS.bearer;
  return (
    `${clipName(key)}: credentials are not read from trigger metadata (KEDA does not forward ` +
    'TriggerAuthentication to external scalers); write them on a source in the scaler ' +
    `configuration (sources: - name: <name>, url: <url>, ${stanza}) and select it with "source"`
  );
}

/**
 * Keys KEDA documents or once documented that it now ignores, with what KEDA does with each: the
 * built-in accepts them, so refusing them would break a drop-in. Ignored here as well.
 */
export const LEGACY_KEYS: Readonly<Record<string, string>> = {
  // KEDA pkg/scalers/prometheus_scaler.go: an error until v2.14, dropped in v2.15 (PR #5990).
  cortexOrgID:
    'KEDA ignores it since v2.15 and sends no X-Scope-OrgID header; ignored here too (to send ' +
    "the header, use customHeaders: X-Scope-OrgID=<tenant> or the source's headers)",
  // KEDA pkg/scalers/external_scaler.go: removed in v2.17 (PR #6338).
  tlsCertFile:
    "KEDA's external trigger stopped reading it in v2.17 (TLS to the scaler now comes from " +
    'enableTLS or caCert in a TriggerAuthentication); ignored here too',
};

/**
 * metricName: explicit names were deprecated in KEDA v2.10 (PR #4235) and are ignored since
 * v2.12 (PR #4806), which names the metric s<index>-prometheus. Here a valid one still names the
 * HPA metric; one that is not a valid name here (a `:` of a recording rule) is ignored, as KEDA
 * ignores every one.
 */
const METRIC_NAME_IGNORED =
  'KEDA ignores metricName since v2.12 (it names the metric s<index>-prometheus); this one is ' +
  'not a valid metric name here';

/** Prometheus alert names are metric-name-like (alerting rules use the same grammar). */
const ALERT_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Query parameters the scaler sets itself; letting metadata override them would be ambiguous. */
const RESERVED_QUERY_PARAMETERS = new Set(['query', 'time']);

const MULTIPLE_SERIES: readonly MultipleSeriesPolicy[] = ['error', 'sum', 'max', 'min', 'avg'];

/**
 * KEDA writes a target as a quantity with milli precision (`quantityFromFloat64` in
 * pkg/scalers/scaler.go: `fmt.Sprintf("%.3f")`): from 0.0005 up it rounds to at least 1m, below
 * it becomes 0, which the HPA refuses ("must be positive"). Thresholds in [0.0005, 0.001) are sent
 * as 0.001 (1m), the target KEDA makes of them, so that KEDA versions that truncated instead
 * (`int64(v*1000)`, up to v2.19; v2.20.0 rounds, kedacore/keda #7534) get the same target.
 */
const MILLI = 0.001;
const MIN_THRESHOLD = 0.0005;

/** Metric names become a URL path segment in the external metrics API (no `/`, `%`, `.` or `..`). */
const METRIC_NAME_PATTERN = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
const METRIC_NAME_MAX_LENGTH = 200;

/** Values of these keys may carry secrets and are never echoed in messages. */
function isSecretBearing(key: string): boolean {
  return AUTH_KEYS.has(key) || key.endsWith('FromEnv') || key === 'customHeaders';
}

/** `, got "value"` for messages (cut short), or nothing for secrets. */
function quoted(key: string, value: string): string {
  return isSecretBearing(key) ? '' : `, got ${quote(value)}`;
}

/**
 * Parses KEDA's raw trigger metadata. Values are trimmed and empty counts as absent, like
 * KEDA's own parser; unknown keys are errors so that a typo can never silently change scaling.
 *
 * @throws {@link ScalerError} `invalid_metadata` listing every problem.
 */
export function parseTrigger(
  metadata: Readonly<Record<string, string>>,
  limits: TriggerLimits = DEFAULT_TRIGGER_LIMITS,
): TriggerSpec {
  checkMetadataBounds(metadata);
  const problems: string[] = [];
  const values = new Map<string, string>();
  for (const [key, raw] of Object.entries(metadata)) {
    const value = String(raw).trim();
    if (value !== '') values.set(key, value);
  }

  const known: readonly string[] = TRIGGER_KEYS;
  const warnings: MetadataWarning[] = [];
  for (const key of values.keys()) {
    if (known.includes(key) || KEDA_OWN_KEYS.includes(key)) continue;
    const legacy = LEGACY_KEYS[key];
    if (legacy !== undefined) {
      warnings.push({ kind: 'legacy', key, message: `${key}: ${legacy}` });
    } else if (AUTH_KEYS.has(key)) {
      problems.push(credentialProblem(key, values.get(key) ?? ''));
    } else {
      const unknown = unknownKeyProblem(key);
      if (unknown.misspelling || limits.unknownKeys === 'refuse') {
        problems.push(unknown.message);
      } else {
        warnings.push({
          kind: 'unknown',
          key: clipName(key),
          message: `${unknown.message}; ignored (unknownMetadataKeys: warn)`,
        });
      }
    }
  }

  const take = <T>(key: string, parse: (text: string) => Parsed<T>): T | undefined => {
    const text = values.get(key);
    if (text === undefined) return undefined;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    problems.push(`${key}: ${parsed.rule}${quoted(key, text)}`);
    return undefined;
  };

  const query = take('query', parseQueryText);
  if (!values.has('query')) problems.push('query: is required (a PromQL expression)');

  const threshold = take('threshold', text => {
    const n = parseJsonNumber(text);
    if (!n.ok || n.value <= 0) return { ok: false, rule: 'must be a number > 0' };
    if (n.value < MIN_THRESHOLD) {
      return {
        ok: false,
        rule:
          `must be at least ${MIN_THRESHOLD}: KEDA writes the target with milli precision ` +
          '(%.3f), a smaller value becomes 0 and the HPA refuses a target of 0',
      };
    }
    return n.value < MILLI ? { ok: true, value: MILLI } : n;
  });
  if (!values.has('threshold')) problems.push('threshold: is required (a number > 0)');

  const activationThreshold = take('activationThreshold', parseJsonNumber) ?? 0;
  const customHeaders = take('customHeaders', parseHeaders) ?? {};
  const { timeout: queryTimeout, ...queryParameters } =
    take('queryParameters', parseQueryParameters) ?? {};
  let queryTimeoutMs: number | undefined;
  if (queryTimeout !== undefined) {
    const t = parsePrometheusDurationMs(queryTimeout);
    if (t.ok) queryTimeoutMs = t.value;
    else problems.push(`queryParameters: timeout ${t.rule}, got ${quote(queryTimeout)}`);
  }
  const ignoreNullValues = take('ignoreNullValues', parseGoBool) ?? true;
  // Validated for parity; TLS towards Prometheus is the source's setting (docs/trigger-metadata.md, unsafeSsl).
  take('unsafeSsl', parseGoBool);
  // KEDA accepts any timeout; a longer one than the server allows is capped, with a notice.
  // KEDA's own rule: a bare number is milliseconds (typed_config.go). Our keys below need a unit.
  const askedTimeoutMs = take('timeout', parseDurationMs);
  const notices: string[] = [];
  let timeoutMs = askedTimeoutMs;
  if (askedTimeoutMs !== undefined && askedTimeoutMs > limits.maxTimeoutMs) {
    timeoutMs = limits.maxTimeoutMs;
    notices.push(
      `timeout: ${askedTimeoutMs / 1000}s is above the server's maxTimeout; ` +
        `capped to ${limits.maxTimeoutMs / 1000}s`,
    );
  }
  const cacheTtlMs = take('cacheTTL', text => {
    const d = durationAtMost(text, limits.maxCacheTtlMs, "the server's cache.ttlLimit");
    if (d.ok && d.value < MIN_CACHE_TTL_MS) {
      return { ok: false, rule: `must be at least ${MIN_CACHE_TTL_MS / 1000}s` };
    }
    return d;
  });
  const maxStalenessMs = take('maxStaleness', text =>
    durationAtMost(text, limits.maxStalenessLimitMs, "the server's cache.maxStalenessLimit"),
  );
  const activationIntervalMs = take('activationInterval', text => {
    const d = parseUnitDurationMs(text);
    if (d.ok && d.value < limits.minActivationIntervalMs) {
      return {
        ok: false,
        rule: `must be at least ${limits.minActivationIntervalMs / 1000}s (the server's push.minActivationInterval)`,
      };
    }
    return d;
  });
  const activationAlert = take('activationAlert', text =>
    ALERT_NAME.test(text)
      ? { ok: true, value: text }
      : { ok: false, rule: 'must be an alert name (letters, digits, "_", ":")' },
  );
  const activationAlertLabels = take('activationAlertLabels', parseKeyValueMap) ?? {};
  if (values.has('activationAlertLabels') && !values.has('activationAlert')) {
    problems.push('activationAlertLabels: needs activationAlert');
  }
  const fallbackValue = take('fallbackValue', text => {
    const n = parseJsonNumber(text);
    return n.ok && n.value < 0 ? { ok: false, rule: 'must be a number >= 0' } : n;
  });
  const multipleSeries = take('multipleSeries', text => parseEnum(text, MULTIPLE_SERIES));
  const httpMethod = take('httpMethod', text =>
    parseEnum<HttpMethod>(text.toUpperCase(), ['GET', 'POST']),
  );
  const metricNameText = values.get('metricName');
  const metricNameParsed =
    metricNameText === undefined ? undefined : parseMetricName(metricNameText);
  if (metricNameParsed !== undefined && !metricNameParsed.ok) {
    warnings.push({
      kind: 'legacy',
      key: 'metricName',
      message: `metricName: ${METRIC_NAME_IGNORED} (${metricNameParsed.rule})${quoted('metricName', metricNameText ?? '')}; ignored`,
    });
  }
  const metricName = metricNameParsed?.ok === true ? metricNameParsed.value : undefined;
  const activationQuery = take('activationQuery', parseQueryText);
  const source = selectSource(values.get('source'), values.get('serverAddress'), problems);

  if (problems.length > 0 || query === undefined || threshold === undefined) {
    throw new ScalerError('invalid_metadata', `invalid trigger metadata: ${problems.join('; ')}`);
  }
  return {
    query,
    threshold,
    activationThreshold,
    source,
    namespace: values.get('namespace'),
    customHeaders,
    queryParameters,
    ignoreNullValues,
    // KEDA treats timeout 0 as "use the default" (KEDA_HTTP_DEFAULT_TIMEOUT).
    timeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
    queryTimeoutMs,
    metricName,
    multipleSeries: multipleSeries ?? 'error',
    httpMethod: httpMethod ?? 'GET',
    cacheTtlMs,
    maxStalenessMs,
    fallbackValue,
    activationQuery,
    activationIntervalMs,
    activationAlert,
    activationAlertLabels,
    ...(notices.length > 0 ? { notices } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * An unknown key's message. A near-miss of a known key is a misspelling, refused whatever the
 * server's unknownMetadataKeys says: KEDA would ignore it and scale on the default.
 */
function unknownKeyProblem(key: string): { message: string; misspelling: boolean } {
  if (key === 'metricType') {
    // kedacore/keda #5472: KEDA forwards it from metadata and ignores it.
    return {
      message: 'metricType: is a field of the trigger itself (next to "type"), not of its metadata',
      misspelling: false,
    };
  }
  const hint = didYouMeanSuffix(key, [
    ...TRIGGER_KEYS,
    ...KEDA_OWN_KEYS,
    ...Object.keys(LEGACY_KEYS),
  ]);
  return { message: `${clipName(key)}: unknown key${hint}`, misspelling: hint !== '' };
}

/** A duration (KEDA rules) that may not exceed a server cap; the rule names the cap. */
function durationAtMost(text: string, capMs: number, capName: string): Parsed<number> {
  const d = parseUnitDurationMs(text);
  if (d.ok && d.value > capMs) {
    return { ok: false, rule: `must be at most ${capMs / 1000}s (${capName})` };
  }
  return d;
}

function parseEnum<T extends string>(text: string, allowed: readonly T[]): Parsed<T> {
  const found = allowed.find(a => a === text);
  return found === undefined
    ? { ok: false, rule: `must be one of ${allowed.join(', ')}` }
    : { ok: true, value: found };
}

/**
 * Headers that describe the connection or body, which undici and HTTP/1.1 own, and those that
 * change the answer's form (`accept`, `accept-encoding`: the scaler reads uncompressed JSON) or
 * the exchange (`expect`: undici refuses it).
 */
const FORBIDDEN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'expect',
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

/**
 * A header the HTTP client would refuse is the trigger's fault, found here as INVALID_ARGUMENT:
 * sent, it would fail as "unreachable" and count against the source's breaker for every tenant.
 */
function parseHeaders(text: string): Parsed<Record<string, string>> {
  if (Buffer.byteLength(text) > MAX_CUSTOM_HEADERS_BYTES) {
    return { ok: false, rule: `must be at most ${MAX_CUSTOM_HEADERS_BYTES} bytes in all` };
  }
  const map = parseKeyValueMap(text);
  if (!map.ok) return map;
  for (const [name, value] of Object.entries(map.value)) {
    const shown = quote(name);
    if (!HEADER_NAME.test(name)) {
      return { ok: false, rule: `header name ${shown} is not a valid HTTP token` };
    }
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      return { ok: false, rule: `header ${shown} is set by the HTTP client or the scaler` };
    }
    if (!isFieldValue(value)) return { ok: false, rule: `header ${shown} ${FIELD_VALUE_RULE}` };
  }
  return map;
}

/** PromQL text up to {@link MAX_QUERY_BYTES}; longer is refused before anything is sent. */
function parseQueryText(text: string): Parsed<string> {
  const bytes = Buffer.byteLength(text);
  return bytes > MAX_QUERY_BYTES
    ? { ok: false, rule: `must be at most ${MAX_QUERY_BYTES} bytes (has ${bytes})` }
    : { ok: true, value: text };
}

function parseQueryParameters(text: string): Parsed<Record<string, string>> {
  const map = parseKeyValueMap(text);
  if (!map.ok) return map;
  for (const name of Object.keys(map.value)) {
    if (RESERVED_QUERY_PARAMETERS.has(name)) {
      return {
        ok: false,
        rule: `parameter ${quote(name)} is set by the scaler and cannot be overridden`,
      };
    }
  }
  return map;
}

/**
 * Prometheus's own `timeout` parameter (web/api/v1 parseDuration): a number of seconds or a
 * duration such as `500ms`; more than 0.
 */
function parsePrometheusDurationMs(text: string): Parsed<number> {
  const rule = "must be a number of seconds or a duration such as '500ms' or '2s', more than 0";
  // A bare number is seconds here, unlike the trigger's own `timeout` (milliseconds, as KEDA's).
  const parsed: Parsed<number> = /^\d+(\.\d+)?$/.test(text)
    ? { ok: true, value: Number(text) * 1000 }
    : parseDurationMs(text);
  return parsed.ok && parsed.value > 0 ? parsed : { ok: false, rule };
}

function parseMetricName(text: string): Parsed<string> {
  const name = text.toLowerCase();
  if (name.length > METRIC_NAME_MAX_LENGTH) {
    return { ok: false, rule: `must be at most ${METRIC_NAME_MAX_LENGTH} characters` };
  }
  if (!METRIC_NAME_PATTERN.test(name)) {
    return {
      ok: false,
      rule: 'must be letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
    };
  }
  return { ok: true, value: name };
}

function selectSource(
  name: string | undefined,
  serverAddress: string | undefined,
  problems: string[],
): SourceSelector {
  const problem = serverAddress === undefined ? undefined : urlProblem(serverAddress);
  if (serverAddress !== undefined && problem !== undefined) {
    problems.push(
      'serverAddress: ' +
        (problem === 'path_segment'
          ? PATH_SEGMENT_RULE
          : 'must be an http:// or https:// URL without credentials, query or fragment') +
        quoted('serverAddress', redactUrl(serverAddress)),
    );
  }
  if (name !== undefined) return { kind: 'named', name, serverAddress };
  if (serverAddress !== undefined) return { kind: 'address', serverAddress };
  return { kind: 'implicit' };
}
