// A bearer token cached until shortly before it expires, with one request for a new token in
// flight at a time and no memory of failures (the next call tries again).

/** A token and when it stops being valid (unix ms). */
export interface Token {
  value: string;
  expiresAtMs: number;
}

/**
 * Refresh this long before expiry: KEDA's Azure transport refreshes 60 s ahead; a fifth of the
 * lifetime keeps short-lived tokens (minutes) from being refreshed on every call.
 */
const MAX_REFRESH_MARGIN_MS = 60_000;
const REFRESH_MARGIN_SHARE = 0.2;

/** Tokens remembered for redaction: the current one and the one before (still in flight). */
const REMEMBERED_TOKENS = 2;

export class TokenCache {
  private current: (Token & { refreshAtMs: number }) | undefined;
  private inFlight: Promise<Token> | undefined;
  private readonly issued: string[] = [];

  constructor(
    private readonly fetchToken: () => Promise<Token>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A valid token. Before the refresh point the cached one; between the refresh point and expiry
   * the cached one while a refresh runs in the background; after expiry waits for a new one.
   */
  async get(signal: AbortSignal): Promise<string> {
    const now = this.now();
    const t = this.current;
    if (t !== undefined && now < t.refreshAtMs) return t.value;
    const next = this.refresh();
    if (t !== undefined && now < t.expiresAtMs) {
      next.catch(() => undefined);
      return t.value;
    }
    return (await untilAborted(next, signal)).value;
  }

  /** Issued tokens still remembered (for redaction). */
  tokens(): string[] {
    return [...this.issued];
  }

  private refresh(): Promise<Token> {
    this.inFlight ??= this.fetchToken()
      .then(token => {
        const lifetime = Math.max(0, token.expiresAtMs - this.now());
        const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetime * REFRESH_MARGIN_SHARE);
        this.current = { ...token, refreshAtMs: token.expiresAtMs - margin };
        this.issued.unshift(token.value);
        this.issued.length = Math.min(this.issued.length, REMEMBERED_TOKENS);
        return token;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** The promise, or the signal's abort reason when the caller stops waiting first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      v => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
