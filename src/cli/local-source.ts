// Dry runs only: a trigger's in-cluster serverAddress or source name is answered by the local
// Prometheus given with --prometheus-url or --config (a port-forward), and the output says so.
// The server never does this: there, metadata can only select what its configuration allows.
// A source name that --config does not know is left as written, so the dry run refuses it with
// the server's own words (and its did-you-mean) instead of quietly answering a typo.
import type { ServerConfig } from '../config/schema';
import { CLI_SOURCE_NAME } from '../config/schema';
import { compileAddressPattern, normalizeUrl, redactUrl } from '../util/url-rules';
import { UsageError } from './command-args';

/** Which flags defined the configuration's sources. */
export interface SourcesGiven {
  /** --prometheus-url (or SCALER_PROMETHEUS_URL) defined its source (`CLI_SOURCE_NAME`), which answers everything. */
  prometheusUrlGiven: boolean;
  /** --config (or SCALER_CONFIG) named the sources, so a `source:` name can be checked. */
  configFileGiven: boolean;
}

export interface LocalizedTrigger {
  metadata: Record<string, string>;
  /** "serverAddress http://prometheus-server… answered by http://127.0.0.1:9090", if rewritten. */
  note: string | undefined;
}

/** True when the configuration itself would answer this selector (no rewrite needed). */
function answeredAsIs(
  source: string | undefined,
  serverAddress: string | undefined,
  config: ServerConfig,
): boolean {
  const byName = config.sources.find(s => s.name === source);
  if (source !== undefined) {
    return (
      byName !== undefined &&
      (serverAddress === undefined || normalizeUrl(serverAddress) === normalizeUrl(byName.url))
    );
  }
  if (serverAddress === undefined) return true;
  const url = normalizeUrl(serverAddress);
  return (
    config.sources.some(s => normalizeUrl(s.url) === url) ||
    config.allowedServerAddresses.some(p => compileAddressPattern(p.pattern).test(url))
  );
}

/**
 * The metadata with `source`/`serverAddress` pointed at the local source: the one --prometheus-url
 * defines (it answers every trigger), else, for what --config does not know, its only source.
 *
 * A `source` that --config does not name stays as written: resolving it then fails exactly as on
 * the server ("unknown source … (did you mean …?)"). Without --config there are no names to check
 * against (the cluster's configuration is elsewhere), so --prometheus-url answers it.
 *
 * @throws {@link UsageError} when several configured sources could answer and none was named.
 */
export function localizeTrigger(
  metadata: Readonly<Record<string, string>>,
  config: ServerConfig,
  given: SourcesGiven,
): LocalizedTrigger {
  const { prometheusUrlGiven, configFileGiven } = given;
  const { source, serverAddress, ...rest } = metadata;
  // --prometheus-url answers everything; --config alone answers what it knows, else its only source.
  const local = prometheusUrlGiven
    ? config.sources.find(s => s.name === CLI_SOURCE_NAME)
    : config.sources.length === 1
      ? config.sources[0]
      : undefined;
  const unchanged = { metadata: { ...metadata }, note: undefined };
  if (configFileGiven && source !== undefined && !config.sources.some(s => s.name === source)) {
    return unchanged;
  }
  if (source === undefined && serverAddress === undefined) {
    return local === undefined || !prometheusUrlGiven
      ? unchanged
      : { metadata: { ...rest, source: local.name }, note: undefined };
  }
  const isLocal =
    local !== undefined &&
    (source === undefined || source === local.name) &&
    (serverAddress === undefined || normalizeUrl(serverAddress) === normalizeUrl(local.url));
  if (isLocal || (!prometheusUrlGiven && answeredAsIs(source, serverAddress, config))) {
    return unchanged;
  }
  const asked = [
    ...(source === undefined ? [] : [`source ${source}`]),
    ...(serverAddress === undefined ? [] : [`serverAddress ${redactUrl(serverAddress)}`]),
  ].join(', ');
  if (local === undefined) {
    throw new UsageError(
      `${asked}: not a source of --config (sources: ${config.sources.map(s => s.name).join(', ') || 'none'}); ` +
        'pass --prometheus-url URL to answer it with a local Prometheus',
    );
  }
  return {
    metadata: { ...rest, source: local.name },
    note: `${asked} answered by ${redactUrl(local.url)}`,
  };
}
