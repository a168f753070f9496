// Trigger metadata (KEDA's raw scalerMetadata map) → a typed TriggerSpec, with the built-in
// prometheus trigger's rules (keda.md 3.1, 3.2) and every problem reported at once.
import { ScalerError } from '../errors';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { MIN_CACHE_TTL_MS } from '../util/limits';
import { DEFAULTS, triggerLimits } from '../config/schema';
import type { Parsed } from '../util/parse-values';
import {
  parseDurationMs,
  parseGoBool,
  parseJsonNumber,
  parseKeyValueMap,
} from '../util/parse-values';
import { isPlainHttpUrl, redactUrl } from '../util/url-rules';

export type MultipleSeriesPolicy = 'error' | 'sum' | 'max' | 'min' | 'avg';
export type HttpMethod = 'GET' | 'POST';

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
  /** Per-trigger Prometheus timeout; undefined means the source's default. */
  timeoutMs: number | undefined;
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
}

/** Caps from the server configuration that a trigger may not exceed (ms). */
export interface TriggerLimits {
  maxTimeoutMs: number;
  maxCacheTtlMs: number;
  maxStalenessLimitMs: number;
  /** The floor for activationInterval: streams may not poll Prometheus faster. */
  minActivationIntervalMs: number;
}

/** Caps used when no server configuration is given: the configuration schema's defaults. */
export const DEFAULT_TRIGGER_LIMITS: TriggerLimits = triggerLimits(DEFAULTS);

/** Keys with the built-in prometheus trigger's meaning, plus the keys this scaler adds. */
export const TRIGGER_KEYS = [
  'serverAddress',
  'query',
  'threshold',
  'activationThreshold',
  'namespace',
  'customHeaders',
  'queryParameters',
  'ignoreNullValues',
  'unsafeSsl',
  'timeout',
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
 * Keys KEDA consumes itself for its connection to the scaler and forwards anyway (keda.md 2.1,
 * 2.2). Accepted and ignored. `unsafeSsl` is in TRIGGER_KEYS: it is validated as a boolean.
 */
const KEDA_OWN_KEYS = ['scalerAddress', 'enableTLS', 'caCert', 'tlsClientCert', 'tlsClientKey'];

/**
 * Credential keys of the built-in trigger (keda.md 3.2-3.4). KEDA never forwards
 * TriggerAuthentication to external scalers (keda.md 2.2), so credentials live on a source.
 */
const AUTH_KEYS = new Set([
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

/** Prometheus alert names are metric-name-like (alerting rules use the same grammar). */
const ALERT_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Query parameters the scaler sets itself; letting metadata override them would be ambiguous. */
const RESERVED_QUERY_PARAMETERS = new Set(['query', 'time', 'timeout']);

const MULTIPLE_SERIES: readonly MultipleSeriesPolicy[] = ['error', 'sum', 'max', 'min', 'avg'];

/**
 * KEDA quantities have milli precision: a target below 0.0005 becomes 0 and the HPA rejects it
 * (keda.md 2.6), so 0.001 is the smallest threshold that survives the conversion.
 */
const MIN_THRESHOLD = 0.001;

/** Metric names become a URL path segment in the external metrics API (keda.md 2.7). */
const METRIC_NAME_PATTERN = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
const METRIC_NAME_MAX_LENGTH = 200;

/** Values of these keys may carry secrets and are never echoed in messages. */
function isSecretBearing(key: string): boolean {
  return AUTH_KEYS.has(key) || key.endsWith('FromEnv') || key === 'customHeaders';
}

/** `"value"` for messages, or nothing for secrets. Long values are shortened. */
function quoted(key: string, value: string): string {
  if (isSecretBearing(key)) return '';
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return `, got ${JSON.stringify(shown)}`;
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
  const problems: string[] = [];
  const values = new Map<string, string>();
  for (const [key, raw] of Object.entries(metadata)) {
    const value = String(raw).trim();
    if (value !== '') values.set(key, value);
  }

  const known: readonly string[] = TRIGGER_KEYS;
  for (const key of values.keys()) {
    if (known.includes(key) || KEDA_OWN_KEYS.includes(key)) continue;
    if (AUTH_KEYS.has(key)) {
      problems.push(
        `${key}: credentials are not read from trigger metadata (KEDA does not forward ` +
          'TriggerAuthentication to external scalers); configure them on a source in the ' +
          'scaler configuration and select it with "source"',
      );
    } else if (key === 'metricType') {
      problems.push(
        'metricType: is a field of the trigger itself (next to "type"), not of its metadata',
      );
    } else if (key === 'cortexOrgID') {
      problems.push(
        'cortexOrgID: removed from KEDA; use customHeaders: X-Scope-OrgID=<tenant>, or set the ' +
          'header on the source in the scaler configuration',
      );
    } else {
      const hint = didYouMeanSuffix(key, [...known, ...KEDA_OWN_KEYS]);
      problems.push(`${key}: unknown key${hint}`);
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

  const query = values.get('query');
  if (query === undefined) problems.push('query: is required (a PromQL expression)');

  const threshold = take('threshold', text => {
    const n = parseJsonNumber(text);
    if (!n.ok || n.value <= 0) return { ok: false, rule: 'must be a number > 0' };
    if (n.value < MIN_THRESHOLD) {
      return { ok: false, rule: `must be at least ${MIN_THRESHOLD} (KEDA rounds to milli-units)` };
    }
    return n;
  });
  if (!values.has('threshold')) problems.push('threshold: is required (a number > 0)');

  const activationThreshold = take('activationThreshold', parseJsonNumber) ?? 0;
  const customHeaders = take('customHeaders', parseHeaders) ?? {};
  const queryParameters = take('queryParameters', parseQueryParameters) ?? {};
  const ignoreNullValues = take('ignoreNullValues', parseGoBool) ?? true;
  // Validated for parity; TLS towards Prometheus is the source's setting (README, unsafeSsl).
  take('unsafeSsl', parseGoBool);
  const timeoutMs = take('timeout', text =>
    durationAtMost(text, limits.maxTimeoutMs, "the server's maxTimeout"),
  );
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
    const d = parseDurationMs(text);
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
  const metricName = take('metricName', parseMetricName);
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
    // KEDA treats timeout 0 as "use the default" (keda.md 3.2).
    timeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
    metricName,
    multipleSeries: multipleSeries ?? 'error',
    httpMethod: httpMethod ?? 'GET',
    cacheTtlMs,
    maxStalenessMs,
    fallbackValue,
    activationQuery: values.get('activationQuery'),
    activationIntervalMs,
    activationAlert,
    activationAlertLabels,
  };
}

/** A duration (KEDA rules) that may not exceed a server cap; the rule names the cap. */
function durationAtMost(text: string, capMs: number, capName: string): Parsed<number> {
  const d = parseDurationMs(text);
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

/** RFC 9110 token characters: anything else cannot be a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that describe the connection or body; undici and HTTP/1.1 own them. */
const FORBIDDEN_HEADERS = new Set([
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

function parseHeaders(text: string): Parsed<Record<string, string>> {
  const map = parseKeyValueMap(text);
  if (!map.ok) return map;
  for (const name of Object.keys(map.value)) {
    if (!HEADER_NAME.test(name)) {
      return { ok: false, rule: `header name ${JSON.stringify(name)} is not a valid HTTP token` };
    }
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      return { ok: false, rule: `header ${JSON.stringify(name)} is managed by the HTTP client` };
    }
  }
  return map;
}

function parseQueryParameters(text: string): Parsed<Record<string, string>> {
  const map = parseKeyValueMap(text);
  if (!map.ok) return map;
  for (const name of Object.keys(map.value)) {
    if (RESERVED_QUERY_PARAMETERS.has(name)) {
      return {
        ok: false,
        rule: `parameter ${JSON.stringify(name)} is set by the scaler and cannot be overridden`,
      };
    }
  }
  return map;
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
  if (serverAddress !== undefined && !isPlainHttpUrl(serverAddress)) {
    problems.push(
      'serverAddress: must be an http:// or https:// URL without credentials, query or fragment' +
        quoted('serverAddress', redactUrl(serverAddress)),
    );
  }
  if (name !== undefined) return { kind: 'named', name, serverAddress };
  if (serverAddress !== undefined) return { kind: 'address', serverAddress };
  return { kind: 'implicit' };
}
