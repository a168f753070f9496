// Microsoft Entra tokens for Azure Monitor managed Prometheus with @azure/identity: workload
// identity, a client secret from a file, or the managed identity.
import type { TokenCredential } from '@azure/identity';
import {
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { ScalerError } from '../../errors';
import type { AuthSettings, ReadSecret, RequestAuth } from './request-auth';
import { TokenCache } from './token-cache';

type AzureSettings = NonNullable<AuthSettings['azure']>;

export class AzureAuth implements RequestAuth {
  private readonly cache: TokenCache;
  private credential: { secret: string; value: TokenCredential } | undefined;

  constructor(
    private readonly sourceName: string,
    private readonly settings: AzureSettings,
    private readonly readSecret: ReadSecret,
  ) {
    this.cache = new TokenCache(async () => {
      let token;
      try {
        token = await this.credentialNow().getToken(settings.scope);
      } catch (e) {
        throw this.fail((e as Error).name, e);
      }
      if (token === null) throw this.fail('no token');
      return { value: token.token, expiresAtMs: token.expiresOnTimestamp };
    });
  }

  async authorize(_request: unknown, signal: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.cache.get(signal)}` };
  }

  secretValues(): string[] {
    return [this.credential?.secret ?? '', ...this.cache.tokens()].filter(s => s !== '');
  }

  /** The credential; rebuilt when the client secret file changed. */
  private credentialNow(): TokenCredential {
    const { tenantId, clientId, clientSecretFile } = this.settings;
    const secret = clientSecretFile === undefined ? '' : this.readSecret(clientSecretFile);
    if (this.credential !== undefined && this.credential.secret === secret) {
      return this.credential.value;
    }
    let value: TokenCredential;
    if (clientSecretFile !== undefined) {
      const tenant = tenantId ?? process.env['AZURE_TENANT_ID'];
      const client = clientId ?? process.env['AZURE_CLIENT_ID'];
      if (tenant === undefined || client === undefined) {
        throw this.fail(
          'clientSecretFile needs tenantId and clientId (or AZURE_TENANT_ID/AZURE_CLIENT_ID)',
        );
      }
      value = new ClientSecretCredential(tenant, client, secret);
    } else if (process.env['AZURE_FEDERATED_TOKEN_FILE'] !== undefined) {
      value = new WorkloadIdentityCredential({
        ...(tenantId !== undefined ? { tenantId } : {}),
        ...(clientId !== undefined ? { clientId } : {}),
      });
    } else {
      value = new ManagedIdentityCredential(clientId !== undefined ? { clientId } : {});
    }
    this.credential = { secret, value };
    return value;
  }

  private fail(reason: string, cause?: unknown): ScalerError {
    return new ScalerError('unavailable', `source "${this.sourceName}": azure: ${reason}`, {
      cause,
      source: this.sourceName,
    });
  }
}
