// Builds a source's authentication from its settings, loading the cloud SDK a mode needs only when
// a source uses that mode (they take hundreds of milliseconds to load; `serve` starts without).
import type { ProxySettings } from '../proxy';
import type { AuthSettings, OutgoingRequest, ReadSecret, RequestAuth } from './request-auth';

/**
 * The auth of a source, or undefined when it has none. `proxy` is the source's proxy settings,
 * which the oauth2 token endpoint follows; the cloud SDKs make their own token requests.
 */
export function createAuth(
  sourceName: string,
  settings: AuthSettings | undefined,
  readSecret: ReadSecret,
  proxy: ProxySettings,
): RequestAuth | undefined {
  if (settings === undefined) return undefined;
  const { sigv4, oauth2, azure, google } = settings;
  if (sigv4 !== undefined) {
    return lazily(async () => new (await import('./sigv4')).SigV4Auth(sourceName, sigv4));
  }
  if (oauth2 !== undefined) {
    return lazily(
      async () => new (await import('./oauth2')).OAuth2Auth(sourceName, oauth2, readSecret, proxy),
    );
  }
  if (azure !== undefined) {
    return lazily(
      async () => new (await import('./azure')).AzureAuth(sourceName, azure, readSecret),
    );
  }
  if (google !== undefined) {
    return lazily(async () => new (await import('./google')).GoogleAuth(sourceName, google));
  }
  return undefined;
}

/** A RequestAuth whose module is loaded on the first request. */
function lazily(load: () => Promise<RequestAuth>): RequestAuth {
  let loaded: Promise<RequestAuth> | undefined;
  let ready: RequestAuth | undefined;
  return {
    async authorize(request: OutgoingRequest, signal: AbortSignal) {
      loaded ??= load().then(
        auth => (ready = auth),
        (e: unknown) => {
          loaded = undefined;
          throw e;
        },
      );
      return (await loaded).authorize(request, signal);
    },
    secretValues: () => ready?.secretValues() ?? [],
  };
}
