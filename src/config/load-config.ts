// YAML file + flags/environment → a validated ServerConfig, listing every problem at once.
import { accessSync, constants, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { MIN_CACHE_TTL_MS } from '../util/limits';
import { parseDurationMs } from '../util/parse-values';
import { checkUrl } from '../util/url-rules';
import type {
  BreakerConfig,
  CacheConfig,
  GrpcTlsConfig,
  LogLevel,
  PushConfig,
  ServerConfig,
  ShutdownConfig,
  SourceConfig,
} from './schema';
import { CLI_SOURCE_NAME, DEFAULTS, LOG_LEVELS } from './schema';

/** Thrown when the configuration is invalid; `problems` has one line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Settings given on the command line or in SCALER_* variables; they win over the file. */
export interface ConfigOverrides {
  configFile?: string | undefined;
  grpcAddress?: string | undefined;
  httpAddress?: string | undefined;
  prometheusUrl?: string | undefined;
  logLevel?: string | undefined;
}

const TOP_KEYS = [
  'push',
  'tls',
  'reflection',
  'shutdown',
  'cache',
  'breaker',
  'grpcAddress',
  'httpAddress',
  'logLevel',
  'sources',
  'allowedServerAddresses',
  'maxResponseBytes',
  'maxTimeout',
];
const SOURCE_KEYS = [
  'name',
  'url',
  'headers',
  'bearerTokenFile',
  'basicAuth',
  'tls',
  'timeout',
  'maxConcurrentQueries',
];
const CACHE_KEYS = [
  'ttl',
  'ttlLimit',
  'maxStaleness',
  'maxStalenessLimit',
  'maxEntries',
  'idleRefresh',
  'idleDrop',
  'negativeTtl',
  'badQueryTtl',
];
const GRPC_TLS_KEYS = ['certFile', 'keyFile', 'clientCaFile', 'refreshInterval'];
const SHUTDOWN_KEYS = ['delay', 'grace'];
const PUSH_KEYS = [
  'activationInterval',
  'minActivationInterval',
  'alertmanagerTokenFile',
  'alertmanagerMaxBodyBytes',
];
const BREAKER_KEYS = ['failureThreshold', 'openDuration', 'closeAfterSuccesses'];
const BASIC_AUTH_KEYS = ['username', 'passwordFile'];
const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'insecureSkipVerify'];
/** Source names appear in metrics, logs and metadata: keep them simple. */
const SOURCE_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Reads the optional YAML file and applies overrides. @throws {@link ConfigError} */
export function loadConfig(overrides: ConfigOverrides): ServerConfig {
  let raw: unknown = {};
  if (overrides.configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(overrides.configFile, 'utf8');
    } catch (e) {
      throw new ConfigError([`config file ${overrides.configFile}: ${(e as Error).message}`]);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new ConfigError([`config file ${overrides.configFile}: ${(e as Error).message}`]);
    }
  }
  const config = validateConfig(raw, overrides);
  // Files are checked here, not in validateConfig, so a config can be validated anywhere.
  const unreadable = [
    ['tls.certFile', config.tls?.certFile],
    ['tls.keyFile', config.tls?.keyFile],
    ['tls.clientCaFile', config.tls?.clientCaFile],
    ['push.alertmanagerTokenFile', config.push.alertmanagerTokenFile],
  ]
    .filter((pair): pair is [string, string] => pair[1] !== undefined && !readable(pair[1]))
    .map(([key, file]) => `${key}: cannot read ${JSON.stringify(file)}`);
  if (unreadable.length > 0) throw new ConfigError(unreadable);
  return config;
}

/** Validates a parsed config document (from YAML or a test) plus overrides. */
export function validateConfig(raw: unknown, overrides: ConfigOverrides = {}): ServerConfig {
  const problems: string[] = [];
  const doc = asObject(raw, 'config', problems) ?? {};
  unknownKeys(doc, TOP_KEYS, '', problems);

  const grpcAddress =
    overrides.grpcAddress ?? str(doc, 'grpcAddress', '', problems) ?? DEFAULTS.grpcAddress;
  const httpAddress =
    overrides.httpAddress ?? str(doc, 'httpAddress', '', problems) ?? DEFAULTS.httpAddress;
  checkAddress('grpcAddress', grpcAddress, problems);
  checkAddress('httpAddress', httpAddress, problems);

  const logLevelText =
    overrides.logLevel ?? str(doc, 'logLevel', '', problems) ?? DEFAULTS.logLevel;
  const logLevel = LOG_LEVELS.find(l => l === logLevelText);
  if (logLevel === undefined) {
    problems.push(`logLevel: must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelText}"`);
  }

  const maxResponseBytes =
    positiveInt(doc, 'maxResponseBytes', '', problems) ?? DEFAULTS.maxResponseBytes;
  const maxTimeoutMs = duration(doc, 'maxTimeout', '', problems) ?? DEFAULTS.maxTimeoutMs;

  const tls = validateGrpcTls(doc['tls'], problems);
  const reflection = bool(doc, 'reflection', '', problems) ?? DEFAULTS.reflection;
  const shutdown = validateShutdown(doc['shutdown'], problems);
  const push = validatePush(doc['push'], problems);
  const cache = validateCache(doc['cache'], problems);
  const breaker = validateBreaker(doc['breaker'], problems);

  const sources: SourceConfig[] = [];
  const rawSources = doc['sources'];
  if (rawSources !== undefined && !Array.isArray(rawSources)) {
    problems.push('sources: must be a list');
  } else if (Array.isArray(rawSources)) {
    rawSources.forEach((item: unknown, i) => {
      const source = validateSource(item, `sources[${i}].`, problems);
      if (source !== undefined) sources.push(source);
    });
  }
  if (overrides.prometheusUrl !== undefined) {
    const url = checkUrl('--prometheus-url', overrides.prometheusUrl, problems);
    if (url !== undefined) sources.push(defaultSource(CLI_SOURCE_NAME, url));
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) {
      problems.push(
        `sources: name "${s.name}" is defined more than once` +
          (s.name === CLI_SOURCE_NAME ? ' (--prometheus-url defines "default")' : ''),
      );
    }
    seen.add(s.name);
  }

  const allowed: string[] = [];
  const rawAllowed = doc['allowedServerAddresses'];
  if (rawAllowed !== undefined) {
    if (!Array.isArray(rawAllowed)) {
      problems.push('allowedServerAddresses: must be a list of URL patterns');
    } else {
      rawAllowed.forEach((p: unknown, i) => {
        if (typeof p !== 'string' || !/^https?:\/\/./.test(p)) {
          problems.push(`allowedServerAddresses[${i}]: must be an http(s) URL pattern`);
        } else allowed.push(p.replace(/\/+$/, ''));
      });
    }
  }
  if (sources.length === 0 && allowed.length === 0) {
    problems.push(
      'sources: at least one source is required (a "sources" list in the config file, or ' +
        '--prometheus-url / SCALER_PROMETHEUS_URL)',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    grpcAddress,
    httpAddress,
    logLevel: logLevel as LogLevel,
    sources,
    allowedServerAddresses: allowed,
    maxResponseBytes,
    maxTimeoutMs,
    cache,
    breaker,
    tls,
    reflection,
    shutdown,
    push,
  };
}

function validatePush(raw: unknown, problems: string[]): PushConfig {
  const d = DEFAULTS.push;
  const doc = raw === undefined ? {} : (asObject(raw, 'push', problems) ?? {});
  unknownKeys(doc, PUSH_KEYS, 'push.', problems);
  const push: PushConfig = {
    activationIntervalMs:
      duration(doc, 'activationInterval', 'push.', problems) ?? d.activationIntervalMs,
    minActivationIntervalMs:
      duration(doc, 'minActivationInterval', 'push.', problems) ?? d.minActivationIntervalMs,
    alertmanagerTokenFile: str(doc, 'alertmanagerTokenFile', 'push.', problems),
    alertmanagerMaxBodyBytes:
      positiveInt(doc, 'alertmanagerMaxBodyBytes', 'push.', problems) ?? d.alertmanagerMaxBodyBytes,
  };
  if (push.activationIntervalMs < push.minActivationIntervalMs) {
    problems.push('push.activationInterval: must not be below push.minActivationInterval');
  }
  return push;
}

function validateGrpcTls(raw: unknown, problems: string[]): GrpcTlsConfig | undefined {
  if (raw === undefined) return undefined;
  const doc = asObject(raw, 'tls', problems) ?? {};
  unknownKeys(doc, GRPC_TLS_KEYS, 'tls.', problems);
  const certFile = str(doc, 'certFile', 'tls.', problems);
  const keyFile = str(doc, 'keyFile', 'tls.', problems);
  const clientCaFile = str(doc, 'clientCaFile', 'tls.', problems);
  const refreshMs = duration(doc, 'refreshInterval', 'tls.', problems) ?? DEFAULTS.tlsRefreshMs;
  if (certFile === undefined || keyFile === undefined) {
    problems.push('tls: certFile and keyFile are both required');
    return undefined;
  }
  return { certFile, keyFile, clientCaFile, refreshMs };
}

function validateShutdown(raw: unknown, problems: string[]): ShutdownConfig {
  const d = DEFAULTS.shutdown;
  if (raw === undefined) return { ...d };
  const doc = asObject(raw, 'shutdown', problems) ?? {};
  unknownKeys(doc, SHUTDOWN_KEYS, 'shutdown.', problems);
  const delay = field(doc, 'delay', 'shutdown.', problems, nonNegativeDuration);
  return {
    delayMs: delay ?? d.delayMs,
    graceMs: duration(doc, 'grace', 'shutdown.', problems) ?? d.graceMs,
  };
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function validateCache(raw: unknown, problems: string[]): CacheConfig {
  const d = DEFAULTS.cache;
  if (raw === undefined) return { ...d };
  const doc = asObject(raw, 'cache', problems) ?? {};
  unknownKeys(doc, CACHE_KEYS, 'cache.', problems);
  const ms = (key: string, fallback: number): number =>
    duration(doc, key, 'cache.', problems) ?? fallback;
  const cache: CacheConfig = {
    ttlMs: ms('ttl', d.ttlMs),
    ttlLimitMs: ms('ttlLimit', d.ttlLimitMs),
    maxStalenessMs: ms('maxStaleness', d.maxStalenessMs),
    maxStalenessLimitMs: ms('maxStalenessLimit', d.maxStalenessLimitMs),
    maxEntries: positiveInt(doc, 'maxEntries', 'cache.', problems) ?? d.maxEntries,
    idleRefreshMs: ms('idleRefresh', d.idleRefreshMs),
    idleDropMs: ms('idleDrop', d.idleDropMs),
    negativeTtlMs: ms('negativeTtl', d.negativeTtlMs),
    badQueryTtlMs: ms('badQueryTtl', d.badQueryTtlMs),
  };
  if (cache.ttlMs > cache.ttlLimitMs) problems.push('cache.ttl: must not exceed cache.ttlLimit');
  if (cache.ttlMs < MIN_CACHE_TTL_MS) problems.push('cache.ttl: must be at least 1s');
  if (cache.maxStalenessMs > cache.maxStalenessLimitMs) {
    problems.push('cache.maxStaleness: must not exceed cache.maxStalenessLimit');
  }
  return cache;
}

function validateBreaker(raw: unknown, problems: string[]): BreakerConfig {
  const d = DEFAULTS.breaker;
  if (raw === undefined) return { ...d };
  const doc = asObject(raw, 'breaker', problems) ?? {};
  unknownKeys(doc, BREAKER_KEYS, 'breaker.', problems);
  return {
    failureThreshold:
      positiveInt(doc, 'failureThreshold', 'breaker.', problems) ?? d.failureThreshold,
    openMs: duration(doc, 'openDuration', 'breaker.', problems) ?? d.openMs,
    closeAfterSuccesses:
      positiveInt(doc, 'closeAfterSuccesses', 'breaker.', problems) ?? d.closeAfterSuccesses,
  };
}

/** A source with only a URL: what --prometheus-url and allowed serverAddresses produce. */
export function defaultSource(name: string, url: string): SourceConfig {
  return {
    name,
    url,
    headers: {},
    bearerTokenFile: undefined,
    basicAuth: undefined,
    tls: { caFile: undefined, certFile: undefined, keyFile: undefined, insecureSkipVerify: false },
    timeoutMs: DEFAULTS.timeoutMs,
    maxConcurrentQueries: DEFAULTS.maxConcurrentQueries,
  };
}

function validateSource(raw: unknown, at: string, problems: string[]): SourceConfig | undefined {
  const doc = asObject(raw, at.slice(0, -1), problems);
  if (doc === undefined) return undefined;
  unknownKeys(doc, SOURCE_KEYS, at, problems);
  const name = str(doc, 'name', at, problems);
  if (name === undefined) problems.push(`${at}name: is required`);
  else if (!SOURCE_NAME.test(name)) {
    problems.push(`${at}name: must be lower-case letters, digits, "-" or "_", got "${name}"`);
  }
  const urlText = str(doc, 'url', at, problems);
  if (urlText === undefined) problems.push(`${at}url: is required`);
  const url = urlText === undefined ? undefined : checkUrl(`${at}url`, urlText, problems);

  const headers: Record<string, string> = {};
  const rawHeaders = doc['headers'];
  if (rawHeaders !== undefined) {
    const h = asObject(rawHeaders, `${at}headers`, problems) ?? {};
    for (const [k, v] of Object.entries(h)) {
      if (typeof v !== 'string') problems.push(`${at}headers.${k}: must be a string`);
      else headers[k] = v;
    }
  }

  let basicAuth: SourceConfig['basicAuth'];
  if (doc['basicAuth'] !== undefined) {
    const b = asObject(doc['basicAuth'], `${at}basicAuth`, problems) ?? {};
    unknownKeys(b, BASIC_AUTH_KEYS, `${at}basicAuth.`, problems);
    const username = str(b, 'username', `${at}basicAuth.`, problems);
    const passwordFile = str(b, 'passwordFile', `${at}basicAuth.`, problems);
    if (username === undefined || passwordFile === undefined) {
      problems.push(`${at}basicAuth: needs both username and passwordFile`);
    } else basicAuth = { username, passwordFile };
  }

  const tlsDoc = doc['tls'] === undefined ? {} : (asObject(doc['tls'], `${at}tls`, problems) ?? {});
  unknownKeys(tlsDoc, TLS_KEYS, `${at}tls.`, problems);
  const tls = {
    caFile: str(tlsDoc, 'caFile', `${at}tls.`, problems),
    certFile: str(tlsDoc, 'certFile', `${at}tls.`, problems),
    keyFile: str(tlsDoc, 'keyFile', `${at}tls.`, problems),
    insecureSkipVerify: bool(tlsDoc, 'insecureSkipVerify', `${at}tls.`, problems) ?? false,
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push(`${at}tls: certFile and keyFile must be set together`);
  }

  const timeoutMs = duration(doc, 'timeout', at, problems) ?? DEFAULTS.timeoutMs;
  const maxConcurrentQueries =
    positiveInt(doc, 'maxConcurrentQueries', at, problems) ?? DEFAULTS.maxConcurrentQueries;
  const bearerTokenFile = str(doc, 'bearerTokenFile', at, problems);
  if (name === undefined || url === undefined) return undefined;
  return { name, url, headers, bearerTokenFile, basicAuth, tls, timeoutMs, maxConcurrentQueries };
}

function asObject(
  raw: unknown,
  at: string,
  problems: string[],
): Record<string, unknown> | undefined {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    return raw as Record<string, unknown>;
  }
  problems.push(`${at}: must be a mapping`);
  return undefined;
}

function unknownKeys(
  doc: Record<string, unknown>,
  known: string[],
  at: string,
  problems: string[],
): void {
  for (const key of Object.keys(doc)) {
    if (!known.includes(key))
      problems.push(`${at}${key}: unknown key${didYouMeanSuffix(key, known)}`);
  }
}

/** A field check: the typed value, or the rule the raw value broke. */
type FieldCheck<T> = (v: unknown) => { value: T } | { rule: string };

/** Reads one optional field; a broken rule is recorded as `<at><key>: <rule>, got <value>`. */
function field<T>(
  doc: Record<string, unknown>,
  key: string,
  at: string,
  problems: string[],
  check: FieldCheck<T>,
): T | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  const result = check(v);
  if ('value' in result) return result.value;
  problems.push(`${at}${key}: ${result.rule}, got ${JSON.stringify(v)}`);
  return undefined;
}

const nonEmptyString: FieldCheck<string> = v =>
  typeof v === 'string' && v.trim() !== ''
    ? { value: v.trim() }
    : { rule: 'must be a non-empty string' };

const boolean: FieldCheck<boolean> = v =>
  typeof v === 'boolean' ? { value: v } : { rule: 'must be true or false' };

const positiveInteger: FieldCheck<number> = v =>
  typeof v === 'number' && Number.isInteger(v) && v > 0
    ? { value: v }
    : { rule: 'must be a whole number > 0' };

/** "3s", "1m30s" or a number of milliseconds, >= 0. */
const nonNegativeDuration: FieldCheck<number> = v => {
  if (typeof v !== 'string' && typeof v !== 'number') return { rule: 'must be a duration' };
  const parsed = parseDurationMs(String(v));
  return parsed.ok ? { value: parsed.value } : { rule: parsed.rule };
};

/** "3s", "1m30s" or a number of milliseconds, > 0. */
const positiveDuration: FieldCheck<number> = v => {
  if (typeof v !== 'string' && typeof v !== 'number') return { rule: 'must be a duration' };
  const parsed = parseDurationMs(String(v));
  if (!parsed.ok) return { rule: parsed.rule };
  return parsed.value > 0 ? { value: parsed.value } : { rule: 'must be greater than 0' };
};

const str = (d: Record<string, unknown>, k: string, at: string, p: string[]): string | undefined =>
  field(d, k, at, p, nonEmptyString);
const bool = (d: Record<string, unknown>, k: string, at: string, p: string[]) =>
  field(d, k, at, p, boolean);
const positiveInt = (d: Record<string, unknown>, k: string, at: string, p: string[]) =>
  field(d, k, at, p, positiveInteger);
const duration = (d: Record<string, unknown>, k: string, at: string, p: string[]) =>
  field(d, k, at, p, positiveDuration);

function checkAddress(key: string, address: string, problems: string[]): void {
  const m = /^(.*):(\d+)$/.exec(address);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || (m[1] ?? '') === '' || port > 65535) {
    problems.push(`${key}: must be host:port (e.g. 0.0.0.0:6000), got "${address}"`);
  }
}
