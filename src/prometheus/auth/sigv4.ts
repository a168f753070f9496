// AWS Signature Version 4 on every request (Amazon Managed Service for Prometheus), signing the
// exact method, path prefix, query and form body sent, with credentials from the default chain.
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ScalerError } from '../../errors';
import type { AuthSettings, OutgoingRequest, RequestAuth } from './request-auth';
import { untilAborted } from './token-cache';

type SigV4Settings = NonNullable<AuthSettings['sigv4']>;
type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof fromNodeProviderChain>>>;

/** Temporary credentials are replaced 5 minutes before expiry, as the AWS SDKs do. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
/**
 * Credentials without an expiry (environment, shared credentials file) are resolved again after
 * a second, so keys rotated on disk take effect within a second, like the other secret files.
 */
const STATIC_RECHECK_MS = 1000;

export class SigV4Auth implements RequestAuth {
  private readonly signer: SignatureV4;
  private credentials: { value: AwsCredentialIdentity; renewAtMs: number } | undefined;
  private inFlight: Promise<AwsCredentialIdentity> | undefined;
  private readonly provider: () => Promise<AwsCredentialIdentity>;

  constructor(
    private readonly sourceName: string,
    settings: SigV4Settings,
    private readonly now: () => number = Date.now,
  ) {
    // A new chain each time: the SDK's chain memoizes keys without expiry for the process's
    // life, and ignoreCache makes it read the shared files again, so rotation on disk is seen.
    const chain = (): Promise<AwsCredentialIdentity> =>
      fromNodeProviderChain({ ignoreCache: true })();
    this.provider =
      settings.roleArn === undefined
        ? chain
        : fromTemporaryCredentials({
            params: { RoleArn: settings.roleArn, RoleSessionName: 'keda-prometheus-scaler' },
            masterCredentials: chain,
            clientConfig: { region: settings.region },
          });
    this.signer = new SignatureV4({
      service: settings.service,
      region: settings.region,
      sha256: Sha256,
      credentials: () => this.current(),
    });
  }

  async authorize(req: OutgoingRequest, signal: AbortSignal): Promise<Record<string, string>> {
    await untilAborted(this.current(), signal);
    const url = new URL(`${req.origin}${req.path}`);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const headers: Record<string, string> = { host: url.host };
    const type = req.headers['content-type'];
    if (type !== undefined) headers['content-type'] = type;
    const signed = await this.signer.sign(
      new HttpRequest({
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port !== '' ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers,
        ...(req.body !== null ? { body: req.body } : {}),
      }),
    );
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) {
      const name = k.toLowerCase();
      if (name !== 'host' && name !== 'content-type') out[name] = v;
    }
    return out;
  }

  secretValues(): string[] {
    const c = this.credentials?.value;
    return c === undefined ? [] : [c.secretAccessKey, c.sessionToken ?? ''].filter(s => s !== '');
  }

  /** Cached credentials, resolved again near expiry; one resolution in flight at a time. */
  private current(): Promise<AwsCredentialIdentity> {
    const c = this.credentials;
    if (c !== undefined && this.now() < c.renewAtMs) return Promise.resolve(c.value);
    this.inFlight ??= this.provider()
      .then(value => {
        const expires = value.expiration?.getTime();
        this.credentials = {
          value,
          renewAtMs:
            expires === undefined ? this.now() + STATIC_RECHECK_MS : expires - EXPIRY_MARGIN_MS,
        };
        return value;
      })
      .catch((e: unknown) => {
        throw new ScalerError(
          'unavailable',
          `source "${this.sourceName}": sigv4: no AWS credentials (${(e as Error).name})`,
          { cause: e, source: this.sourceName },
        );
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
