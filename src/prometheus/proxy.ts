// Which HTTP proxy, if any, a source's requests go through: the source's proxyUrl and noProxy,
// else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment with Go's rules, as KEDA's
// built-in trigger (net/http ProxyFromEnvironment) honours them.
import { isIP } from 'node:net';

export interface ProxySettings {
  proxyUrl?: string | undefined;
  noProxy: readonly string[];
}

/**
 * The proxy URL for `origin`, or undefined for a direct connection. The environment's proxy is
 * never used for localhost or a loopback address (Go's httpproxy does the same); a configured
 * proxyUrl is used for every host its noProxy does not name.
 */
export function proxyFor(
  origin: string,
  settings: ProxySettings,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const url = new URL(origin);
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (settings.proxyUrl !== undefined) {
    return bypassed(host, port, settings.noProxy) ? undefined : settings.proxyUrl;
  }
  const pick = (name: string): string | undefined => {
    const v = env[name] ?? env[name.toLowerCase()];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const proxy = url.protocol === 'https:' ? pick('HTTPS_PROXY') : pick('HTTP_PROXY');
  if (proxy === undefined) return undefined;
  if (host === 'localhost' || isLoopback(host)) return undefined;
  const noProxy = (pick('NO_PROXY') ?? '').split(/[\s,]+/).filter(e => e !== '');
  if (bypassed(host, port, noProxy)) return undefined;
  // Go reads a proxy without a scheme as http://.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

/** NO_PROXY entries: `*`, `host`, `.domain`, `domain` (and its subdomains), `host:port`. */
function bypassed(host: string, port: string, entries: readonly string[]): boolean {
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry);
    let name = (m?.[1] ?? entry).replace(/^\[|\]$/g, '');
    const entryPort = m?.[2];
    if (entryPort !== undefined && entryPort !== port) continue;
    if (name.startsWith('*.')) name = name.slice(1);
    if (name.startsWith('.')) {
      if (host.endsWith(name) || host === name.slice(1)) return true;
    } else if (host === name || host.endsWith(`.${name}`)) {
      return true;
    }
  }
  return false;
}
