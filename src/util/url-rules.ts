// URL rules in one place: which URLs a source or serverAddress may have, how two URLs are
// compared, how allowedServerAddresses patterns match, and how a URL is shown without secrets.

/** What is wrong with a URL for a source, or undefined when it is a plain http(s) URL. */
export type UrlProblem = 'not_http' | 'credentials' | 'query_or_fragment' | 'path_segment';

/**
 * Credentials belong on a source (basicAuth, bearerTokenFile), never in its URL; a query or
 * fragment could smuggle text past the allowlist, and so could a path segment that a server or
 * proxy decodes into a `/` or a dot segment (`%2F`, `%2E%2E`, `..`).
 */
export function urlProblem(text: string): UrlProblem | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not_http';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not_http';
  if (url.username !== '' || url.password !== '') return 'credentials';
  if (url.search !== '' || url.hash !== '') return 'query_or_fragment';
  if (!rawSegments(text).every(segmentIsPlain)) return 'path_segment';
  return undefined;
}

/** The rule `path_segment` stands for, for messages. */
export const PATH_SEGMENT_RULE =
  'a path segment may not be "." or "..", nor contain "\\" or an encoded "/", "\\" or control character';

/**
 * The path segments as written, before the WHATWG parser resolves dot segments (it reads `%2e` as
 * `.` and `\` as `/` in http URLs), so that what was written is what is judged.
 */
function rawSegments(text: string): string[] {
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/i.exec(text)?.[1] ?? '';
  return path.split('/').slice(1);
}

/** A decoded segment that cannot change which resource a path names once a server decodes it. */
function segmentIsPlain(raw: string): boolean {
  if (raw.includes('\\')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return decoded !== '.' && decoded !== '..' && !/[/\\\x00-\x1f\x7f]/.test(decoded);
}

/** URL text compared the way a person means it: parsed, without trailing slashes. */
export function normalizeUrl(text: string): string {
  try {
    return new URL(text).toString().replace(/\/+$/, '');
  } catch {
    return text.replace(/\/+$/, '');
  }
}

/** A compiled allowedServerAddresses pattern. */
export interface AddressPattern {
  readonly pattern: string;
  /** Whether the serverAddress `url` is one the pattern admits. */
  test(url: string): boolean;
}

/** scheme://host[:port][/path] with `*` allowed in host labels, the port and path segments. */
const PATTERN_SHAPE =
  /^(https?):\/\/(\[[0-9a-f:.]+\]|[^/:@?#[\]\\]+)(?::(\d{1,5}|\*))?(\/[^?#\\]*)?$/i;

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/** What is wrong with an allowedServerAddresses pattern, or undefined when it compiles. */
export function addressPatternProblem(pattern: string): string | undefined {
  const m = PATTERN_SHAPE.exec(pattern);
  if (m === null) {
    return 'must be scheme://host[:port][/path] (http or https; no credentials, query or fragment)';
  }
  const segments = (m[4] ?? '').replace(/\/+$/, '').split('/').slice(1);
  if (!segments.every(s => segmentIsPlain(s.replace(/\*/g, '')))) return PATH_SEGMENT_RULE;
  return undefined;
}

/**
 * Whether `text` matches `glob`, where `*` stands for any run of characters, possibly empty. The
 * classic two-pointer match with one backtrack point: at most text × glob steps. A regular
 * expression with several `.*` backtracks polynomially instead: `*-*-prod` against a 60,000
 * character path segment (a serverAddress may be 64 KiB) blocked the event loop for 3 s.
 */
function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = t;
    } else if (g < glob.length && glob[g] === text[t]) {
      g++;
      t++;
    } else if (star !== -1) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** One host label or path segment of a pattern: a lone `*` is any non-empty part, else a glob. */
function wildcard(part: string): (text: string) => boolean {
  if (part === '*') return text => text.length > 0;
  return text => globMatch(part, text);
}

/**
 * Compiles a pattern matched on the parsed, normalised URL (RFC 3986 6.2.2): scheme and host
 * compare case-insensitively, the path case-sensitively segment by percent-decoded segment. In
 * the host `*` stays inside one DNS label (`http://10.0.0.*:9090` does not admit
 * `10.0.0.1.nip.io`); in the path inside one segment; as the port, any port. A URL whose written
 * path has a dot segment or an encoded `/` never matches.
 * @throws Error when {@link addressPatternProblem} reports a problem (the loader checks first).
 */
export function compileAddressPattern(pattern: string): AddressPattern {
  const problem = addressPatternProblem(pattern);
  const m = PATTERN_SHAPE.exec(pattern);
  if (problem !== undefined || m === null) {
    throw new Error(`allowedServerAddresses pattern ${JSON.stringify(pattern)}: ${problem}`);
  }
  const scheme = (m[1] ?? '').toLowerCase();
  const labels = (m[2] ?? '').toLowerCase().split('.');
  const hostRules = labels.map(l => wildcard(l));
  const port = m[3] ?? DEFAULT_PORT[scheme] ?? '';
  const segments = (m[4] ?? '').replace(/\/+$/, '').split('/').slice(1);
  const pathRules = segments.map(s => wildcard(safeDecode(s)));
  return {
    pattern,
    test(text: string): boolean {
      if (urlProblem(text) !== undefined) return false;
      const url = new URL(text);
      if (url.protocol !== `${scheme}:`) return false;
      const host = url.hostname.split('.');
      if (host.length !== hostRules.length) return false;
      if (!hostRules.every((rule, i) => rule(host[i] ?? ''))) return false;
      if (port !== '*' && (url.port || DEFAULT_PORT[scheme]) !== port) return false;
      const path = url.pathname.replace(/\/+$/, '').split('/').slice(1);
      if (path.length !== pathRules.length) return false;
      return pathRules.every((rule, i) => rule(safeDecode(path[i] ?? '')));
    },
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A URL as it may be shown in a message: without user:password and without its query and
 * fragment (`?token=…` is a common way to pass a credential), each replaced by a marker.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username === '' && url.password === '' && url.search === '' && url.hash === '') {
      return text;
    }
    if (url.username !== '' || url.password !== '') {
      url.username = 'REDACTED';
      url.password = '';
    }
    const query = url.search === '' && url.hash === '' ? '' : '?REDACTED';
    url.search = '';
    url.hash = '';
    return `${url.toString()}${query}`;
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//REDACTED@').replace(/[?#].*$/s, '?REDACTED');
  }
}
