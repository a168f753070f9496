// URL rules in one place: which URLs a source or serverAddress may have, how two URLs are
// compared, how allowedServerAddresses patterns match, and how a URL is shown without secrets.

/** What is wrong with a URL for a source, or undefined when it is a plain http(s) URL. */
export type UrlProblem = 'not_http' | 'credentials' | 'query_or_fragment';

/**
 * Credentials belong on a source (basicAuth, bearerTokenFile), never in its URL; a query or
 * fragment could smuggle text past the allowlist.
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
  return undefined;
}

/** An http(s) URL without credentials, query or fragment. */
export function isPlainHttpUrl(text: string): boolean {
  return urlProblem(text) === undefined;
}

/** URL text compared the way a person means it: parsed, without trailing slashes. */
export function normalizeUrl(text: string): string {
  try {
    return new URL(text).toString().replace(/\/+$/, '');
  } catch {
    return text.replace(/\/+$/, '');
  }
}

/** `*` in an allowedServerAddresses pattern matches any run of characters except `/`. */
export function compileAddressPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Removes user:password from a URL so it can be shown in a message. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username === '' && url.password === '') return text;
    url.username = 'REDACTED';
    url.password = '';
    return url.toString();
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//REDACTED@');
  }
}
