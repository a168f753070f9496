// Resolves a trigger's source selector to a configured Source, so that metadata can never make
// the scaler call a URL the operator did not allow (KEDA issue #7697).
import { defaultSource } from '../config/load-config';
import type { ServerConfig } from '../config/schema';
import { ScalerError } from '../errors';
import type { SourceSelector } from '../metadata/parse-trigger';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { compileAddressPattern, normalizeUrl, redactUrl } from '../util/url-rules';
import { Source } from './source';

/** Pools kept for serverAddress URLs admitted by allowedServerAddresses; the oldest is closed. */
const MAX_ADDRESS_SOURCES = 256;

export class SourceRegistry {
  private readonly byName = new Map<string, Source>();
  private readonly byUrl = new Map<string, Source>();
  private readonly patterns: { pattern: string; regex: RegExp }[];
  private readonly addressSources = new Map<string, Source>();

  constructor(config: ServerConfig) {
    for (const sc of config.sources) {
      const source = new Source(sc);
      this.byName.set(sc.name, source);
      this.byUrl.set(normalizeUrl(sc.url), source);
    }
    this.patterns = config.allowedServerAddresses.map(pattern => ({
      pattern,
      regex: compileAddressPattern(pattern),
    }));
  }

  /** The sources named in the configuration (not serverAddress ones). */
  get configured(): Source[] {
    return [...this.byName.values()];
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** @throws {@link ScalerError} `invalid_metadata` or `permission_denied`. */
  resolve(selector: SourceSelector): Source {
    switch (selector.kind) {
      case 'named': {
        const source = this.byName.get(selector.name);
        if (source === undefined) {
          throw new ScalerError(
            'invalid_metadata',
            `invalid trigger metadata: source: unknown source "${selector.name}"` +
              `${didYouMeanSuffix(selector.name, this.names)}; configured sources: ` +
              `${this.names.join(', ') || '(none)'}`,
          );
        }
        if (
          selector.serverAddress !== undefined &&
          normalizeUrl(selector.serverAddress) !== normalizeUrl(source.url)
        ) {
          throw new ScalerError(
            'invalid_metadata',
            `invalid trigger metadata: serverAddress: does not match the URL of source ` +
              `"${source.name}"; set only one of source and serverAddress`,
          );
        }
        return source;
      }
      case 'address':
        return this.resolveAddress(selector.serverAddress);
      case 'implicit': {
        const only = this.byName.size === 1 ? [...this.byName.values()][0] : undefined;
        if (only !== undefined) return only;
        throw new ScalerError(
          'invalid_metadata',
          `invalid trigger metadata: source: is required because the scaler has ` +
            `${this.byName.size} sources (${this.names.join(', ') || 'none'}); or set serverAddress`,
        );
      }
    }
  }

  private resolveAddress(serverAddress: string): Source {
    const url = normalizeUrl(serverAddress);
    const configured = this.byUrl.get(url);
    if (configured !== undefined) return configured;

    const match = this.patterns.find(p => p.regex.test(url));
    if (match === undefined) {
      throw new ScalerError(
        'permission_denied',
        `serverAddress: ${JSON.stringify(redactUrl(serverAddress))} is not the URL of a ` +
          'configured source and does not match allowedServerAddresses; add it to ' +
          'allowedServerAddresses in the scaler configuration, or select a configured source ' +
          `with "source" (configured sources: ${this.names.join(', ') || 'none'})`,
      );
    }
    let source = this.addressSources.get(url);
    if (source === undefined) {
      // Named after the pattern, not the URL: bounded label values for metrics.
      source = new Source({ ...defaultSource(match.pattern, url) });
      this.addressSources.set(url, source);
      if (this.addressSources.size > MAX_ADDRESS_SOURCES) {
        const [oldestUrl, oldest] = this.addressSources.entries().next().value as [string, Source];
        this.addressSources.delete(oldestUrl);
        void oldest.close().catch(() => undefined);
      }
    }
    return source;
  }

  async close(): Promise<void> {
    const all = [...this.byName.values(), ...this.addressSources.values()];
    await Promise.all(all.map(s => s.close().catch(() => undefined)));
  }
}
