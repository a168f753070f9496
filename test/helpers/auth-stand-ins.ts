// Loopback stand-ins for what managed Prometheus services check: a SigV4 gate that recomputes the
// signature with an independent implementation (aws4), an OAuth2 token endpoint with short-lived
// tokens, a bearer gate, and a recording HTTP/CONNECT proxy. Gates forward good requests to a real
// Prometheus so that the answers are real.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import aws4 from 'aws4';

export interface Recorded {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface StandIn {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<{ url: string; port: number }> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise(resolve => server.close(() => resolve()));
}

/** Sends the request on to `upstream` (a real Prometheus), the path prefix removed. */
function forward(
  upstream: string,
  req: IncomingMessage,
  body: string,
  path: string,
  res: ServerResponse,
): void {
  const target = new URL(upstream);
  const out = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path,
      headers: {
        ...(req.headers['content-type'] !== undefined
          ? { 'content-type': req.headers['content-type'] }
          : {}),
        'content-length': Buffer.byteLength(body),
      },
    },
    up => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => {
    res.writeHead(502).end();
  });
  out.end(body);
}

/** A gate: `check` returns undefined to let the request through or the status to refuse with. */
export async function startGate(
  upstream: string,
  check: (req: IncomingMessage, body: string) => number | undefined,
  prefix = '',
): Promise<StandIn> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then(body => {
      let status = check(req, body);
      const url = req.url ?? '/';
      if (status === undefined && !url.startsWith(`${prefix}/`)) status = 404;
      requests.push({
        method: req.method ?? '',
        url,
        status: status ?? 200,
        headers: req.headers,
        body,
      });
      if (status !== undefined) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'auth', error: 'refused' }));
        return;
      }
      forward(upstream, req, body, url.slice(prefix.length), res);
    });
  });
  const { url, port } = await listen(server);
  return { url, port, requests, close: () => close(server) };
}

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * What Amazon Managed Service for Prometheus checks: the Authorization header's signature,
 * recomputed with aws4 over the received method, path, query, signed headers and body, for the
 * keys `keys()` returns now. 403 on a mismatch, as the service answers.
 */
export function sigV4Check(
  keys: () => AwsKeys,
  region: string,
  service = 'aps',
): (req: IncomingMessage, body: string) => number | undefined {
  return (req, body) => {
    const auth = req.headers['authorization'] ?? '';
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (m === null) return 403;
    const [, keyId, signedRegion, signedService, signedHeaders, signature] = m;
    const k = keys();
    if (keyId !== k.accessKeyId || signedRegion !== region || signedService !== service) return 403;
    const names = (signedHeaders ?? '').split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return 403;
    const headers: Record<string, string> = {};
    for (const name of names) {
      const v = req.headers[name];
      if (typeof v !== 'string') return 403;
      headers[name] = v;
    }
    const opts = {
      host: headers['host'],
      method: req.method,
      path: req.url,
      headers,
      service,
      region,
      ...(body !== '' ? { body } : {}),
      // aws4 would add and sign a Content-Length that the client did not sign.
      extraHeadersToIgnore: { 'content-length': !names.includes('content-length') },
    };
    aws4.sign(opts, k);
    const again = /Signature=([0-9a-f]{64})/.exec(String(opts.headers['Authorization'] ?? ''));
    return again?.[1] === signature ? undefined : 403;
  };
}

export interface TokenEndpoint extends StandIn {
  /** Tokens issued so far, with their expiry (unix ms). */
  issued: { token: string; expiresAtMs: number }[];
  /** Answer 503 while true. */
  failing: boolean;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  /** True when `token` was issued and has not expired. */
  valid(token: string): boolean;
}

/** An OAuth2 token endpoint (client credentials, client_secret_basic) with short-lived tokens. */
export async function startTokenEndpoint(opts: {
  clientId: string;
  clientSecret: () => string;
  lifetimeS: number;
}): Promise<TokenEndpoint> {
  const requests: Recorded[] = [];
  const issued: { token: string; expiresAtMs: number }[] = [];
  const state = { failing: false, delayMs: 0 };
  const server = createServer((req, res) => {
    void readBody(req).then(async body => {
      const record = (status: number): void => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          status,
          headers: req.headers,
          body,
        });
      };
      await new Promise(r => setTimeout(r, state.delayMs));
      if (state.failing) {
        record(503);
        res.writeHead(503).end('down');
        return;
      }
      const basic = Buffer.from(
        `${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret())}`,
      ).toString('base64');
      const form = new URLSearchParams(body);
      if (req.headers['authorization'] !== `Basic ${basic}`) {
        record(401);
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      if (form.get('grant_type') !== 'client_credentials') {
        record(400);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
        return;
      }
      const token = `tok-${issued.length + 1}-${randomBytes(8).toString('hex')}`;
      issued.push({ token, expiresAtMs: Date.now() + opts.lifetimeS * 1000 });
      record(200);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: opts.lifetimeS }),
      );
    });
  });
  const { url, port } = await listen(server);
  const endpoint: TokenEndpoint = {
    url,
    port,
    requests,
    issued,
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    valid: token => issued.some(t => t.token === token && t.expiresAtMs > Date.now()),
    close: () => close(server),
  };
  return endpoint;
}

/** A bearer-token check for a gate: 401 unless `valid(token)`. */
export function bearerCheck(
  valid: (token: string) => boolean,
): (req: IncomingMessage) => number | undefined {
  return req => {
    const m = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '');
    return m !== null && valid(m[1] ?? '') ? undefined : 401;
  };
}

export interface RecordingProxy {
  url: string;
  /** `CONNECT host:port` for tunnels, `METHOD absolute-url` for forwarded requests. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy on loopback (CONNECT tunnels and absolute-form requests) that records what passed
 * through. Host names ending in `.test` resolve to 127.0.0.1 here, so a request to such a name
 * can only succeed through the proxy.
 */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const seen: string[] = [];
  const resolveHost = (host: string): string => (host.endsWith('.test') ? '127.0.0.1' : host);
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const out = httpRequest(
      {
        host: resolveHost(target.hostname),
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url ?? ''}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), resolveHost(host ?? ''), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const { url } = await listen(server);
  return { url, seen, close: () => close(server) };
}

export interface IdentityEndpoint extends StandIn {
  issued: string[];
  valid(token: string): boolean;
}

/**
 * The platform identity endpoints the cloud SDKs document for this, on loopback: Azure App
 * Service's managed identity endpoint (IDENTITY_ENDPOINT + X-IDENTITY-HEADER, api-version
 * 2019-08-01) and Google's metadata server (GCE_METADATA_HOST, Metadata-Flavor: Google). Each
 * answers only requests that carry what the real one requires.
 */
export async function startIdentityEndpoint(opts: {
  identityHeader: string;
  lifetimeS: number;
}): Promise<IdentityEndpoint> {
  const requests: Recorded[] = [];
  const issued: string[] = [];
  const token = (): string => {
    const t = `idt-${issued.length + 1}-${randomBytes(8).toString('hex')}`;
    issued.push(t);
    return t;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        status,
        headers: req.headers,
        body: '',
      });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname === '/msi/token') {
      const resource = url.searchParams.get('resource');
      if (req.headers['x-identity-header'] !== opts.identityHeader || resource === null) {
        send(401, { error: 'unauthorized' });
        return;
      }
      send(200, {
        access_token: token(),
        expires_on: String(Math.floor(Date.now() / 1000) + opts.lifetimeS),
        resource,
        token_type: 'Bearer',
      });
      return;
    }
    if (url.pathname.startsWith('/computeMetadata/v1')) {
      const flavor = { 'metadata-flavor': 'Google' };
      if (req.headers['metadata-flavor'] !== 'Google') {
        send(403, 'Missing Metadata-Flavor: Google', flavor);
      } else if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
        send(
          200,
          { access_token: token(), expires_in: opts.lifetimeS, token_type: 'Bearer' },
          flavor,
        );
      } else if (url.pathname === '/computeMetadata/v1/project/project-id') {
        send(200, 'kps-test-project', { ...flavor, 'content-type': 'text/plain' });
      } else {
        send(200, '', { ...flavor, 'content-type': 'text/plain' });
      }
      return;
    }
    send(404, { error: 'not found' });
  });
  const { url, port } = await listen(server);
  return {
    url,
    port,
    requests,
    issued,
    valid: t => issued.includes(t),
    close: () => close(server),
  };
}
