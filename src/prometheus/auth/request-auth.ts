// What an authentication mode gives a source: the headers for one outgoing request, computed from
// the exact bytes that will be sent, and the secrets it holds so that they can be redacted.

/** One request as it goes on the wire: the signer must see what the server will see. */
export interface OutgoingRequest {
  method: 'GET' | 'POST';
  /** scheme://host[:port] */
  origin: string;
  /** Path with the query string, e.g. `/workspaces/ws-1/api/v1/query?query=up`. */
  path: string;
  /** Headers already set (lower-case names); an auth mode may sign them. */
  headers: Readonly<Record<string, string>>;
  /** The form body of a POST, null for a GET. */
  body: string | null;
}

/** A source's authentication: request → headers to add (authorization and friends). */
export interface RequestAuth {
  /**
   * Headers to add to this request. `signal` is the caller's budget; a shared token request
   * is not cancelled by one caller going away.
   *
   * @throws {@link ScalerError} `unavailable` naming the source and never a secret.
   */
  authorize(request: OutgoingRequest, signal: AbortSignal): Promise<Record<string, string>>;
  /** Secret values held right now (client secrets, tokens issued), for log redaction. */
  secretValues(): string[];
}

/** Reads a secret file's current content (re-read when it changes); throws naming the path. */
export type ReadSecret = (path: string) => string;

/** The auth settings of a source, as the configuration declares them. */
export interface AuthSettings {
  sigv4?: { region: string; roleArn?: string | undefined; service: string } | undefined;
  oauth2?:
    | {
        tokenUrl: string;
        clientId: string;
        clientSecretFile: string;
        scopes: readonly string[];
        endpointParams: Readonly<Record<string, string>>;
      }
    | undefined;
  azure?:
    | {
        scope: string;
        tenantId?: string | undefined;
        clientId?: string | undefined;
        clientSecretFile?: string | undefined;
      }
    | undefined;
  google?: { scope: string; credentialsFile?: string | undefined } | undefined;
}
