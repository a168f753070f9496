// YAML file(s) + flags/environment → a validated ServerConfig, listing every problem at once; the
// per-key rules live in the schema, the rules between keys here.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ServerConfig, SourceConfig } from './schema';
import { CLI_SOURCE_NAME, ConfigSchema, SOURCE_SCHEMA, checkHttpUrl } from './schema';
import { mergeConfig } from './merge-config';
import { defaultsOf, readNode, reader } from './schema-reader';
import { clip, quote } from '../util/echo';

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

/**
 * Most configuration files one --config may name: a base, a source, TLS and a user's overlay
 * leave room to spare.
 */
export const MAX_CONFIG_FILES = 8;

/**
 * The files of a --config value: one path, or several separated by ':' (`path.delimiter`), the
 * way KUBECONFIG lists files; merged in order by {@link mergeConfig}.
 */
function configFilesOf(value: string): string[] {
  return value.split(delimiter).filter(f => f !== '');
}

/** Reads one file's YAML. @throws {@link ConfigError} naming the file */
function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`config file ${quote(file)}: ${clip((e as Error).message, 512)}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    // The YAML error quotes the offending line, which may be as long as the file.
    throw new ConfigError([`config file ${quote(file)}: ${clip((e as Error).message, 512)}`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError([`config file ${quote(file)}: must be a YAML mapping (key: value)`]);
  }
  return doc;
}

/** Reads the optional YAML file(s) and applies overrides. @throws {@link ConfigError} */
export function loadConfig(overrides: ConfigOverrides): ServerConfig {
  let raw: unknown = {};
  if (overrides.configFile !== undefined) {
    const files = configFilesOf(overrides.configFile);
    if (files.length > MAX_CONFIG_FILES) {
      throw new ConfigError([
        `config files: at most ${MAX_CONFIG_FILES} separated by "${delimiter}", got ${files.length}`,
      ]);
    }
    for (const file of files) raw = mergeConfig(raw, readConfigFile(file));
  }
  const config = validateConfig(raw, overrides);
  // Files are checked here, not in validateConfig, so a config can be validated anywhere.
  const unreadable = [
    ['tls.certFile', config.tls?.certFile],
    ['tls.keyFile', config.tls?.keyFile],
    ['tls.clientCaFile', config.tls?.clientCaFile],
  ]
    .filter((pair): pair is [string, string] => pair[1] !== undefined && !readable(pair[1]))
    .map(([key, file]) => `${key}: cannot read ${quote(file)}`);
  const token = config.push.alertmanagerTokenFile;
  if (token !== undefined && !readable(token) && !awaitedFile(token)) {
    unreadable.push(
      `push.alertmanagerTokenFile: cannot read ${quote(token)} (a file not written yet is fine, but its directory must exist)`,
    );
  }
  if (unreadable.length > 0) throw new ConfigError(unreadable);
  return config;
}

/**
 * A file that does not exist yet in a directory that does: what the kubelet mounts for an optional
 * Secret that is absent (an empty directory; Kubernetes "Using Secrets as files from a Pod",
 * `optional: true`). The webhook token is such a file: the webhook stays off (503) until it
 * appears, and the pod runs meanwhile. A missing directory is a typo and still refused.
 */
function awaitedFile(file: string): boolean {
  try {
    accessSync(file);
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  try {
    return statSync(dirname(file)).isDirectory();
  } catch {
    return false;
  }
}

/** Validates a parsed config document (from YAML or a test) plus overrides. */
export function validateConfig(raw: unknown, overrides: ConfigOverrides = {}): ServerConfig {
  const problems: string[] = [];
  // Flags and SCALER_* variables win over the file and are checked by the same rules.
  const given = {
    grpcAddress: overrides.grpcAddress,
    httpAddress: overrides.httpAddress,
    logLevel: overrides.logLevel,
  };
  const doc =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw)
      ? { ...raw, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) }
      : raw;
  const config = readNode(ConfigSchema, doc, '', problems);

  let sources = [...(config?.sources ?? [])];
  if (overrides.prometheusUrl !== undefined) {
    const url = reader(checkHttpUrl)(overrides.prometheusUrl, '--prometheus-url', problems);
    // A flag wins over the file: the file's own "prometheus" (deploy/'s in-cluster URL) gives way
    // to the one --prometheus-url defines, credentials and all, e.g. a port-forward for `check`.
    if (url !== undefined) {
      sources = [
        ...sources.filter(s => s.name !== CLI_SOURCE_NAME),
        defaultSource(CLI_SOURCE_NAME, url),
      ];
    }
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) {
      problems.push(
        `sources: name ${quote(s.name)} is defined more than once` +
          (s.name === CLI_SOURCE_NAME ? ` (--prometheus-url defines "${CLI_SOURCE_NAME}")` : ''),
      );
    }
    seen.add(s.name);
  }
  // Sources that were given but refused are already named above; "at least one is required"
  // would then read as if none had been written.
  const sourcesGiven =
    overrides.prometheusUrl !== undefined ||
    (typeof raw === 'object' &&
      raw !== null &&
      Array.isArray((raw as { sources?: unknown }).sources) &&
      (raw as { sources: unknown[] }).sources.length > 0);
  if (
    sources.length === 0 &&
    !(sourcesGiven && problems.length > 0) &&
    (config?.allowedServerAddresses.length ?? 0) === 0
  ) {
    problems.push(
      'sources: at least one source is required (a "sources" list in the config file, or ' +
        '--prometheus-url / SCALER_PROMETHEUS_URL)',
    );
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return { ...config, sources };
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A source with only a URL: what --prometheus-url and allowed serverAddresses produce. */
export function defaultSource(name: string, url: string): SourceConfig {
  return { ...defaultsOf(SOURCE_SCHEMA), name, url };
}
