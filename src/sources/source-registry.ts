// Resolves a trigger's source selector to a configured Source, so that metadata can never make
// the scaler call a URL the operator did not allow (KEDA issue #7697).
import { defaultSource } from '../config/load-config';
import type { ServerConfig } from '../config/schema';
import { ScalerError } from '../errors';
import type { SourceSelector } from '../metadata/parse-trigger';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { quote } from '../util/echo';
import type { AddressPattern } from '../util/url-rules';
import { compileAddressPattern, normalizeUrl, redactUrl } from '../util/url-rules';
import type { NamespaceRule } from '../util/namespace-rules';
import { ALL_NAMESPACES, namespaceRule } from '../util/namespace-rules';
import { Source } from './source';

/** Pools kept for serverAddress URLs admitted by allowedServerAddresses; the oldest is closed. */
const MAX_ADDRESS_SOURCES = 256;

/** Characters of a caller's URL echoed in a refusal: enough to recognise it, never a flood. */
const SHOWN_URL_LENGTH = 128;

/** A URL several entries admit may be used from any namespace any of them allows. */
function entriesRule(lists: (readonly string[] | undefined)[]): NamespaceRule {
  if (lists.some(l => l === undefined)) return ALL_NAMESPACES;
  return namespaceRule([...new Set(lists.flatMap(l => l ?? []))]);
}

export class SourceRegistry {
  private readonly byName = new Map<string, Source>();
  /** Sources by normalised URL; several sources may share one URL (tenant header, credentials). */
  private readonly byUrl = new Map<string, Source[]>();
  private readonly patterns: {
    matcher: AddressPattern;
    namespaces: readonly string[] | undefined;
  }[];
  private readonly addressSources = new Map<string, Source>();

  constructor(config: ServerConfig) {
    for (const sc of config.sources) {
      const source = new Source(sc);
      this.byName.set(sc.name, source);
      const url = normalizeUrl(sc.url);
      this.byUrl.set(url, [...(this.byUrl.get(url) ?? []), source]);
    }
    this.patterns = config.allowedServerAddresses.map(entry => ({
      matcher: compileAddressPattern(entry.pattern),
      namespaces: entry.namespaces,
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
            `invalid trigger metadata: source: unknown source ${quote(selector.name)}` +
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
    const configured = this.byUrl.get(url) ?? [];
    if (configured.length > 1) {
      // Guessing would hand one tenant another's header or credentials.
      throw new ScalerError(
        'invalid_metadata',
        `invalid trigger metadata: serverAddress: is the URL of several sources ` +
          `(${configured.map(s => s.name).join(', ')}), which differ in headers or credentials; ` +
          'select one with "source" instead',
      );
    }
    if (configured[0] !== undefined) return configured[0];

    const matches = this.patterns.filter(p => p.matcher.test(serverAddress));
    const match = matches[0]?.matcher;
    if (match === undefined) {
      throw new ScalerError(
        'permission_denied',
        `serverAddress: ${quote(redactUrl(serverAddress))} is not the URL of a ` +
          'configured source and does not match allowedServerAddresses; add it to ' +
          'allowedServerAddresses in the scaler configuration, or select a configured source ' +
          `with "source" (configured sources: ${this.names.join(', ') || 'none'})`,
      );
    }
    let source = this.addressSources.get(url);
    if (source === undefined) {
      // Named after the pattern, not the URL: bounded label values for metrics. Its identity is
      // the URL (no configured name contains ':'), so each address keeps its own breaker.
      const shown = url.length > SHOWN_URL_LENGTH ? `${url.slice(0, SHOWN_URL_LENGTH)}…` : url;
      const patterns = matches.map(m => JSON.stringify(m.matcher.pattern)).join(', ');
      source = new Source(defaultSource(match.pattern, url), `address:${url}`, {
        rule: entriesRule(matches.map(m => m.namespaces)),
        origin: `serverAddress ${JSON.stringify(shown)} (allowedServerAddresses ${patterns})`,
      });
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
