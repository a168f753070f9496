// Google Cloud tokens for Managed Service for Prometheus with google-auth-library: application
// default credentials (workload identity, the metadata server) or a credentials file.
import { GoogleAuth as GoogleAuthLibrary } from 'google-auth-library';
import { ScalerError } from '../../errors';
import type { AuthSettings, RequestAuth } from './request-auth';
import { TokenCache } from './token-cache';

type GoogleSettings = NonNullable<AuthSettings['google']>;

/** When the library reports no expiry, ask it again after this long (it caches on its side). */
const UNKNOWN_EXPIRY_MS = 60_000;

export class GoogleAuth implements RequestAuth {
  private readonly cache: TokenCache;

  constructor(
    private readonly sourceName: string,
    settings: GoogleSettings,
  ) {
    const library = new GoogleAuthLibrary({
      scopes: [settings.scope],
      ...(settings.credentialsFile !== undefined ? { keyFilename: settings.credentialsFile } : {}),
    });
    this.cache = new TokenCache(async () => {
      try {
        const client = await library.getClient();
        const { token } = await client.getAccessToken();
        if (typeof token !== 'string' || token === '') throw new Error('no token');
        const expiry = client.credentials.expiry_date;
        return {
          value: token,
          expiresAtMs: typeof expiry === 'number' ? expiry : Date.now() + UNKNOWN_EXPIRY_MS,
        };
      } catch (e) {
        throw new ScalerError(
          'unavailable',
          `source "${this.sourceName}": google: no token (${(e as Error).name})`,
          { cause: e, source: this.sourceName },
        );
      }
    });
  }

  async authorize(_request: unknown, signal: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.cache.get(signal)}` };
  }

  secretValues(): string[] {
    return this.cache.tokens();
  }
}
