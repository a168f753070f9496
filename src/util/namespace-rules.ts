// Which Kubernetes namespaces may use a source or an allowedServerAddresses entry: exact names
// and globs (`team-*`), compiled once and checked on every call.

/**
 * A namespace name (a DNS-1123 label, at most 63 characters: Kubernetes' validation for
 * namespaces) in which `*` stands for any run of label characters.
 */
export const NAMESPACE_PATTERN = /^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$/;

/** What a pattern that breaks {@link NAMESPACE_PATTERN} is told. */
export const NAMESPACE_PATTERN_RULE =
  'must be a namespace name (lower-case letters, digits, "-"; at most 63) where * matches any run';

/**
 * Kubernetes caps a namespace name at 63 characters (a DNS-1123 label). A longer name from a
 * caller matches no rule and is never run through a glob: a glob with several `*` backtracks
 * polynomially in the name's length (`*-*-*` against 3,000 dashes blocked the event loop for 4 s).
 */
export const MAX_NAMESPACE_LENGTH = 63;

/** Entries shown in a refusal before the list is cut short. */
const SHOWN_ENTRIES = 5;

export interface NamespaceRule {
  /** False when every namespace is allowed (no `namespaces:` given). */
  readonly restricted: boolean;
  allows(namespace: string): boolean;
  /** The allowed list for a message, cut short after a few entries. */
  describe(): string;
}

/** Every namespace: a source without `namespaces:`, as before the key existed. */
export const ALL_NAMESPACES: NamespaceRule = {
  restricted: false,
  allows: () => true,
  describe: () => 'all namespaces',
};

/** A rule from `namespaces:`; undefined means every namespace. Patterns are checked by config. */
export function namespaceRule(patterns: readonly string[] | undefined): NamespaceRule {
  if (patterns === undefined) return ALL_NAMESPACES;
  const exact = new Set(patterns.filter(p => !p.includes('*')));
  const globs = patterns
    .filter(p => p.includes('*'))
    .map(p => new RegExp(`^${p.split('*').join('[-a-z0-9]*')}$`));
  const shown = patterns.slice(0, SHOWN_ENTRIES).join(', ');
  const more = patterns.length - SHOWN_ENTRIES;
  return {
    restricted: true,
    allows: ns =>
      ns.length <= MAX_NAMESPACE_LENGTH && (exact.has(ns) || globs.some(g => g.test(ns))),
    describe: () =>
      patterns.length === 0 ? '(none)' : more > 0 ? `${shown}, … (${more} more)` : shown,
  };
}
